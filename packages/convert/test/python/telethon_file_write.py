# Builds a Telethon .session file with Telethon's own SQLiteSession: DC + key, entities, update state.
import datetime
import json
import sys

from telethon.crypto import AuthKey
from telethon.sessions import SQLiteSession
from telethon.tl import types

args = json.load(sys.stdin)
session = SQLiteSession(args["path"])
session.set_dc(args["dc"], args["ip"], args["port"])
session.auth_key = AuthKey(bytes.fromhex(args["key"]))
if args.get("takeout") is not None:
    session.takeout_id = int(args["takeout"])

users = [
    types.User(id=int(u["id"]), access_hash=int(u["hash"]), first_name="u", username=u.get("username"), phone=u.get("phone"))
    for u in args["users"]
]
# A min user: Telethon must skip it (its hash is not usable).
users.append(types.User(id=999000111, access_hash=5, min=True, first_name="min"))
chats = [
    types.Chat(id=int(c["id"]), title="chat", photo=types.ChatPhotoEmpty(), participants_count=2, date=None, version=1)
    for c in args["chats"]
]
chats += [
    types.Channel(id=int(c["id"]), title="channel", photo=types.ChatPhotoEmpty(), date=None, access_hash=int(c["hash"]),
                  megagroup=c.get("megagroup"), username=c.get("username"))
    for c in args["channels"]
]
session.process_entities(types.contacts.ResolvedPeer(types.PeerUser(1), chats, users))

state = args["state"]
session.set_update_state(0, types.updates.State(
    state["pts"], state["qts"], datetime.datetime.fromtimestamp(state["date"], tz=datetime.timezone.utc), state["seq"], 0))
now = datetime.datetime.now()  # what Telethon itself writes for channel rows
for channel in args["channelStates"]:
    session.set_update_state(int(channel["id"]), types.updates.State(channel["pts"], 0, now, 0, 0))
session.save()
session.close()
print(json.dumps({"ok": True}))
