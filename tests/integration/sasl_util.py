"""Client halves of SASL mechanisms the tests compute themselves."""
import base64
import hashlib
import os


def b64(data):
    return base64.b64encode(data).decode()


def digest_md5_parse(challenge):
    """The key=value pairs of a DIGEST-MD5 challenge (RFC 2831 2.1.1)."""
    attrs, i, text = {}, 0, challenge.decode()
    while i < len(text):
        eq = text.index("=", i)
        key = text[i:eq].strip()
        i = eq + 1
        if text[i] == '"':
            value, i = "", i + 1
            while text[i] != '"':
                if text[i] == "\\":
                    i += 1
                value += text[i]
                i += 1
            i += 1
        else:
            end = text.find(",", i)
            end = len(text) if end < 0 else end
            value, i = text[i:end], end
        attrs[key] = value
        i = text.find(",", i)
        i = len(text) if i < 0 else i + 1
    return attrs


def digest_md5_answer(challenge, user, password, service="imap", host="mail.example.com",
                      realm=None, authzid=None):
    """The client's digest-response for challenge (RFC 2831 2.1.2, qop=auth)
    and the rspauth the server must send back."""
    attrs = digest_md5_parse(challenge)
    assert "auth" in attrs["qop"].split(",") and attrs["algorithm"] == "md5-sess"
    realm = attrs.get("realm", "") if realm is None else realm
    nonce, cnonce, nc, uri = attrs["nonce"], b64(os.urandom(12)), "00000001", f"{service}/{host}"

    def h(data):
        return hashlib.md5(data).digest()

    def hexh(data):
        return hashlib.md5(data).hexdigest()
    a1 = h(f"{user}:{realm}:{password}".encode()) + f":{nonce}:{cnonce}".encode()
    if authzid is not None:
        a1 += f":{authzid}".encode()
    prefix = f"{hexh(a1)}:{nonce}:{nc}:{cnonce}:auth:"
    response = hexh((prefix + hexh(f"AUTHENTICATE:{uri}".encode())).encode())
    rspauth = hexh((prefix + hexh(f":{uri}".encode())).encode())
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"',
              f'cnonce="{cnonce}"', f"nc={nc}", "qop=auth", f'digest-uri="{uri}"',
              f"response={response}", "charset=utf-8"]
    if authzid is not None:
        fields.append(f'authzid="{authzid}"')
    return ",".join(fields).encode(), rspauth



class ScramClient:
    """The client side of SCRAM (RFC 5802, RFC 7677) without channel
    binding: first() and final() give the client's messages, server_final
    the message the server must send back to prove it knows the key."""

    def __init__(self, user, password, hash_name="sha256"):
        self.user, self.password, self.hash_name = user, password, hash_name
        self.cnonce = b64(os.urandom(18))
        self.server_final = None

    def first(self):
        self.first_bare = f"n={self.user},r={self.cnonce}"
        return ("n,," + self.first_bare).encode()

    def final(self, server_first):
        import hmac
        server_first = server_first.decode()
        attrs = dict(x.split("=", 1) for x in server_first.split(","))
        assert attrs["r"].startswith(self.cnonce) and len(attrs["r"]) > len(self.cnonce)
        h = self.hash_name
        salted = hashlib.pbkdf2_hmac(h, self.password.encode(), base64.b64decode(attrs["s"]),
                                     int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", h).digest()
        stored_key = hashlib.new(h, client_key).digest()
        without_proof = "c=biws,r=" + attrs["r"]
        auth_message = ",".join([self.first_bare, server_first, without_proof]).encode()
        signature = hmac.new(stored_key, auth_message, h).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        server_key = hmac.new(salted, b"Server Key", h).digest()
        self.server_final = "v=" + b64(hmac.new(server_key, auth_message, h).digest())
        return f"{without_proof},p={b64(proof)}".encode()
