# Loads a StringSession with Telethon and prints what it read.
import json
import sys

from telethon.sessions import StringSession

args = json.load(sys.stdin)
session = StringSession(args["string"])
print(json.dumps({
    "dc": session.dc_id,
    "address": session.server_address,
    "port": session.port,
    "key": session.auth_key.key.hex() if session.auth_key else None,
}))
