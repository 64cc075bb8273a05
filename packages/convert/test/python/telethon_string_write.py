# Writes a Telethon StringSession with Telethon itself and prints it.
import json
import sys

from telethon.crypto import AuthKey
from telethon.sessions import StringSession

args = json.load(sys.stdin)
session = StringSession()
session.set_dc(args["dc"], args["ip"], args["port"])
session.auth_key = AuthKey(bytes.fromhex(args["key"]))
print(json.dumps({"string": session.save()}))
