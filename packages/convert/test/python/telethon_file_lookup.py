# Looks peers up in a .session file the way Telethon's client does (by username, phone, name)
# and prints the marked id and hash each lookup finds, or null.
import json
import sys

from telethon.sessions import SQLiteSession

args = json.load(sys.stdin)
session = SQLiteSession(args["path"])


def found(row):
    return None if not row else [str(row[0]), str(row[1])]


print(json.dumps({
    "byUsername": [found(session.get_entity_rows_by_username(u)) for u in args["usernames"]],
    "byPhone": [found(session.get_entity_rows_by_phone(p)) for p in args["phones"]],
    "byName": [found(session.get_entity_rows_by_name(n)) for n in args["names"]],
}))
session.close()
