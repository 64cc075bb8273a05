"""Prints the known answers of test/tdata-vectors.test.ts, computed apart from our TypeScript:
hashlib for MD5/SHA/PBKDF2, the `cryptography` package for AES, IGE and Desktop's layouts
written out here from their description. Run: python3 test/python/tdata_vectors.py"""
import hashlib
import json
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def key_bytes(seed):
    return bytes((seed * 31 + i * 7 + 1) & 255 for i in range(256))


def local_key(passcode, salt):
    hashed = hashlib.sha512(salt + passcode.encode() + salt).digest()
    return hashlib.pbkdf2_hmac("sha512", hashed, salt, 1 if passcode == "" else 100000, 256)


def kdf_v1(key, msg_key, x=8):
    a = hashlib.sha1(msg_key + key[x:x + 32]).digest()
    b = hashlib.sha1(key[32 + x:48 + x] + msg_key + key[48 + x:64 + x]).digest()
    c = hashlib.sha1(key[64 + x:96 + x] + msg_key).digest()
    d = hashlib.sha1(msg_key + key[96 + x:128 + x]).digest()
    return a[:8] + b[8:20] + c[4:16], a[8:20] + b[:8] + c[16:20] + d[:8]


def ige_encrypt(key, iv, data):
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    prev_c, prev_p, out = iv[:16], iv[16:], b""
    for i in range(0, len(data), 16):
        p = data[i:i + 16]
        c = bytes(x ^ y for x, y in zip(ecb.update(bytes(x ^ y for x, y in zip(p, prev_c))), prev_p))
        out += c
        prev_c, prev_p = c, p
    return out


def encrypt_local(data, key, padding_byte):
    size = len(data) + 4
    padded_len = (size + 15) // 16 * 16
    plain = struct.pack("<i", size) + data + bytes([padding_byte]) * (padded_len - size)
    msg_key = hashlib.sha1(plain).digest()[:16]
    aes_key, aes_iv = kdf_v1(key, msg_key)
    return msg_key + ige_encrypt(aes_key, aes_iv, plain)


def tdf(payload, version=5008003):
    v = struct.pack("<i", version)
    digest = hashlib.md5(payload + struct.pack("<i", len(payload)) + v + b"TDF$").digest()
    return b"TDF$" + v + payload + digest


def qbytes(b):
    return struct.pack(">I", len(b)) + b


def file_name(name):
    d = hashlib.md5(name.encode()).digest()[:8]
    return "".join("%X%X" % (b & 15, b >> 4) for b in d)


salt = bytes(range(32))
key = key_bytes(1)
msg_key = bytes(range(100, 116))
aes_key, aes_iv = kdf_v1(key, msg_key)
mtp_inner = struct.pack(">iiQi", -1, -1, 5_123_456_789, 2) + struct.pack(">I", 1) + struct.pack(">i", 2) + key + struct.pack(">I", 0)
mtp = struct.pack(">I", 0x4B) + qbytes(mtp_inner)
local = key_bytes(2)
info = struct.pack(">IIII", 2, 0, 1, 0)
key_datas = qbytes(bytes([0x11] * 32)) + qbytes(encrypt_local(local, local_key("", bytes([0x11] * 32)), 0xAA)) + qbytes(encrypt_local(info, local, 0xAA))



def qstring(text):
    return qbytes(text.encode("utf-16-be"))


# Desktop's MTP config of a fresh test-environment account, written out from its layout:
# version 1, environment 1, the DC options (version -2, built-in test DCs, static = 16,
# ipv6 = 1, port 443, no secret, no CDN keys), then its required fields at their defaults.
test_dcs = [(1, 0, "149.154.175.10"), (1, 1, "2001:0b28:f23d:f001:0000:0000:0000:000e"),
            (2, 0, "149.154.167.40"), (2, 1, "2001:067c:04e8:f002:0000:0000:0000:000e"),
            (3, 0, "149.154.175.117"), (3, 1, "2001:0b28:f23d:f003:0000:0000:0000:000e")]
dc_options = struct.pack(">ii", -2, len(test_dcs)) + b"".join(
    struct.pack(">iii", dc, 16 | v6, 443) + qbytes(ip.encode()) + struct.pack(">i", 0)
    for dc, v6, ip in test_dcs) + struct.pack(">i", 0)
config = (struct.pack(">ii", 1, 1) + qbytes(dc_options)
          + struct.pack(">19i", 200, 10000, 100, 120000, 5000, 30000, 1000, 300000, 30000, 1500,
                        0, 172800, 172800, 172800, 0, 30, 0, 0, 0)
          + qstring("https://t.me/")
          + struct.pack(">6i", 86400 * 7, 20000, 90000, 30000, 10000, 2)
          + qstring("tapv3.stel.com")
          + struct.pack(">3i", 1, 0, 1024))
test_config = qbytes(config)

print(json.dumps({
    "localKeyEmpty": hashlib.sha256(local_key("", salt)).hexdigest(),
    "localKeyEmptyHead": local_key("", salt)[:16].hex(),
    "localKeyPasscode": hashlib.sha256(local_key("123123", salt)).hexdigest(),
    "aesKey": aes_key.hex(),
    "aesIv": aes_iv.hex(),
    "ige": ige_encrypt(aes_key, aes_iv, bytes(range(48))).hex(),
    "encryptLocal": encrypt_local(b"hello, desktop", key, 0xAA).hex(),
    "tdf": tdf(b"hello").hex(),
    "fileData": file_name("data"),
    "fileData2": file_name("data#2"),
    "fileData3": file_name("data#3"),
    "mtp": hashlib.sha256(mtp).hexdigest(),
    "keyDatas": hashlib.sha256(key_datas).hexdigest(),
    "testConfig": test_config.hex(),
    "testConfigSealed": hashlib.sha256(tdf(qbytes(encrypt_local(test_config, local, 0xAA)))).hexdigest(),
}, indent=1))
