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

