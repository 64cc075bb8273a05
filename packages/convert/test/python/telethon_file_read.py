# Opens a .session file with Telethon's SQLiteSession and prints what Telethon reads from it.
import json
import sqlite3
import sys

from telethon.sessions import SQLiteSession
from telethon.tl import types

args = json.load(sys.stdin)
version_before = sqlite3.connect(args["path"]).execute("select version from version").fetchone()[0]
session = SQLiteSession(args["path"])
peers = []
for kind, bare in args["lookups"]:
    peer = {"user": types.PeerUser, "chat": types.PeerChat, "channel": types.PeerChannel}[kind](int(bare))
    try:
        found = session.get_input_entity(peer)
    except ValueError:
        peers.append(None)
        continue
    if isinstance(found, types.InputPeerUser):
        peers.append(["user", str(found.user_id), str(found.access_hash)])
    elif isinstance(found, types.InputPeerChat):
        peers.append(["chat", str(found.chat_id), "0"])
    else:
        peers.append(["channel", str(found.channel_id), str(found.access_hash)])
states = sorted(
    [str(i), s.pts, s.qts, int(s.date.timestamp()), s.seq] for i, s in session.get_update_states()
)
print(json.dumps({
    "versionBefore": version_before,
    "dc": session.dc_id,
    "address": session.server_address,
    "port": session.port,
    "key": session.auth_key.key.hex() if session.auth_key else None,
    "takeout": None if session.takeout_id is None else str(session.takeout_id),
    "peers": peers,
    "states": states,
}))
session.close()
