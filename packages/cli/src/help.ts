/** Top-level help. */
export const MAIN_HELP = `x-session: inspect, convert, export, verify, list, delete, rekey and migrate MTProto sessions

Usage: x-session <command> [options]

Commands:
  inspect LOCATION [--json]          what a session holds (no secrets)
  convert FROM TO [--force]          copy a session between two locations, verified
  export LOCATION --format FORMAT    print a native or compact string, or JSON
  verify LOCATION [--strict]         decode everything; exit 0 or 1 with the reason
  list LOCATION [--json]             session ids in a multi-session store
  delete LOCATION [--yes]            delete a stored session
  rekey LOCATION [--decrypt]         rotate, switch on or remove encryption in place
  migrate LOCATION                   import a ferogram/layer SQLite database in place

inspect, list, verify and export only read: every backend is opened read-only (no
migration, lease, schema or file beside the database), so a running client's store,
a ferogram/layer database or a Telethon file is left exactly as it was.

Locations:
  file:PATH                          ferogram-compatible binary file
  string:VALUE | string:-            native or compact string (- reads stdin)
  env:VAR                            a string in an environment variable
  sqlite:PATH#SESSION                a session in a SQLite database
  libsql:URL#SESSION                 libSQL/Turso (token from LIBSQL_AUTH_TOKEN)
  redis://HOST:PORT/DB?prefix=P#SESSION
  postgres://USER:PASSWORD@HOST:PORT/DB?schema=S#SESSION
  telethon:STRING | telethon:./anon.session   Telethon string or .session file
  pyrogram:STRING | pyrogram:./my.session     Pyrogram string or .session file (read)
  gramjs:STRING                      GramJS / teleproto StringSession
  mtcute:STRING                      mtcute v3 string
  mtkruto:STRING                     MTKruto string
  tdata:DIR#ACCOUNT                  Telegram Desktop tdata folder, account 1, 2, ...
                                     (passcode from X_SESSION_TDATA_PASSCODE or asked)
  #SESSION defaults to "default"; the Redis prefix to "xs". An empty value after
  telethon:, pyrogram:, gramjs:, mtcute: or mtkruto: as a target prints the string;
  a tdata: target is a new folder (--force writes into an existing one).

Encrypted sessions (files, strings, and the secrets in SQL and Redis) are read with
X_SESSION_PASSPHRASE (or X_SESSION_KEY, 64 hex digits) from the environment;
convert --encrypt writes them, rekey changes the secret (X_SESSION_NEW_PASSPHRASE).

Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 locked, 5 connection,
6 convert --strict refused a conversion that would drop data (nothing written).
Run "x-session <command> --help" for a command's options.
`;

/** Help for each command. */
export const HELP: Record<string, string> = {
	inspect: `Usage: x-session inspect LOCATION [--json]

Shows the home DC, the DCs with and without auth keys, each key's auth key id (Telegram's
64-bit fingerprint of the key, safe to print: compare two copies with it), peers by kind,
min peers, channel pts entries, the update state, the storage format and version, and the
size (on disk for files; for SQL and Redis stores the session's size as a v8 file).
Auth keys, salts and tokens are never shown.

Options:
  --json      print exactly one JSON object on stdout
  -h, --help  show this help
`,
	convert: `Usage: x-session convert FROM TO [--force] [--strict] [--overwrite-unreadable] [--format native|compact] [--user-id ID] [--bot] [--api-id N] [--encrypt]

Copies the session at FROM to TO, then reads TO back and compares it with FROM before
reporting success. An existing session at TO is never replaced without --force.
The source is only read, never changed. A refusal (TO exists) writes nothing.

What TO's format cannot hold of this session (other DCs' auth keys, peers, min peers,
the update state, peer metadata, the future auth token, the account's user id or bot
flag) is named before writing: "verified what <format> holds; dropped: ...".

string: and env: targets store nothing: the resulting string is printed on stdout and
that is the only way to get it, e.g.  export TG_SESSION="$(x-session convert file:bot.session env:TG_SESSION)"

Options:
  --force           replace a session already stored at TO
  --strict          refuse (exit 6, nothing written) when TO cannot hold all of it
  --overwrite-unreadable
                    file: targets: replace a file that cannot be read (encrypted with another
                    key or passphrase, corrupt, newer, not a session file); with --force when
                    it may hold a session. What it held is lost
  --format F        for string:/env: targets: native (default) or compact
  --user-id ID      the account's user id, needed for --format compact and pyrogram:
                    (default: the source's own, or the account the mtcute adapter stored)
  --bot             pyrogram: and mtcute: targets: the account is a bot
  --api-id N        pyrogram: targets: the app's api_id (default: the source's, else 0)
  --encrypt         encrypt the target (AES-256-GCM) with the secret in X_SESSION_PASSPHRASE
                    or X_SESSION_KEY: the whole file: or string:, or each auth key and token
                    of a sqlite:, libsql:, postgres:// or redis:// target; without it the
                    target is plain, so converting an encrypted source without it decrypts it
  -h, --help        show this help
`,
	export: `Usage: x-session export LOCATION --format native|compact|json [--include-secrets] [--user-id ID]

Prints the session on stdout:
  native   the full-state string (base64url of the v8 binary format); holds the auth keys
  compact  ferogram's compact string (home DC, key, user id); needs --user-id unless the
           source is a compact string itself
  json     the x-session JSON layout; auth keys and tokens are "[redacted]" unless
           --include-secrets is given

Options:
  --format F          native, compact or json (required)
  --include-secrets   put auth keys and tokens into the JSON
  --user-id ID        the account's user id (compact)
  -h, --help          show this help
`,
	verify: `Usage: x-session verify LOCATION [--strict]

Decodes everything stored at LOCATION and checks that it encodes again. Exit 0 when it
does, 1 with the reason when it does not.

Options:
  --strict    also reject what ferogram accepts silently in files and strings (trailing
              bytes, invalid UTF-8 addresses, unknown peer types and channel kinds)
  -h, --help  show this help
`,
	list: `Usage: x-session list LOCATION [--json]

Lists the session ids held by a multi-session store: sqlite:PATH, libsql:URL,
postgres://USER@HOST:PORT/DB?schema=S or redis://HOST:PORT/DB?prefix=P (a #SESSION part
is ignored), or the accounts of a tdata:DIR folder (#1, #2, ...). One id per line.

Options:
  --json      print {"sessions": [...]} on stdout
  -h, --help  show this help
`,
	rekey: `Usage: x-session rekey LOCATION [--decrypt]

Re-encrypts the session at LOCATION in place, under its lock, then reads it back and
compares it with what was there. The current secret (needed when it is encrypted) comes
from X_SESSION_PASSPHRASE or X_SESSION_KEY, the new one from X_SESSION_NEW_PASSPHRASE or
X_SESSION_NEW_KEY (64 hex digits):
  rotation        both set
  switch on       only the new one set (the location is not encrypted yet)
  switch off      --decrypt, with the current secret
Files are encrypted whole; SQL and Redis stores keep their layout and encrypt each auth
key and token. string: and env: locations print the new string on stdout.

Options:
  --decrypt   store the session unencrypted
  -h, --help  show this help
`,
	delete: `Usage: x-session delete LOCATION [--yes]

Deletes the session at LOCATION. Asks for confirmation on a terminal; without a
terminal it refuses unless --yes is given. A session held open by a running client
is locked (exit 4) and is not deleted.

Options:
  -y, --yes   do not ask
  -h, --help  show this help
`,
	migrate: `Usage: x-session migrate LOCATION

Imports a ferogram/layer SQLite database (sqlite:PATH or libsql:URL) into x-session's
schema, in place, as session "default". A 0600 copy of the original is kept beside it
(not for a remote libSQL database), and the output says where. Afterwards the Rust
client that owned the file can no longer use it: point it at the backup, or use
x-session. Nothing else ever migrates such a database: reads leave it as it is, and a
write to it is refused until it is migrated. An x-session database in an older schema
(which inspect, list, verify and export no longer upgrade) is brought forward too.

Options:
  -h, --help  show this help
`,
};
