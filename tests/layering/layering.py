"""Checks every #include of the C tree against the layer rules of
STYLE.md section 2. Usable as a library (check(tree) -> list of
violations) and as a program (python3 layering.py SRC_DIR)."""
import os
import re
import sys

LAYERS = {
    "lib": 0, "lib-test": 0,
    "lib-settings": 1, "lib-mail": 1, "lib-imap": 1, "lib-smtp": 1,
    "lib-master": 2, "lib-tls": 2, "lib-auth": 2, "lib-password": 2, "lib-login": 2,
    "lib-sql": 2, "lib-compress": 2, "config": 2,
    "lib-index": 3, "lib-storage": 3,
}
PROGRAM = 9
# L1 libraries are pure: no sockets, no event loop
L1_FORBIDDEN = {"ioloop.h", "net.h", "fdpass.h"}
# third-party headers and the only directory (or file) that may include them
FENCES = [
    (re.compile(r"^ev\.h$"), lambda d, f: d == "lib" and f == "ioloop.c"),
    # libssl only in lib-tls; libcrypto's hashes also serve lib-password
    (re.compile(r"^openssl/(ssl|tls1|x509|x509v3|pem|dh|decoder)\.h$"),
     lambda d, f: d == "lib-tls"),
    (re.compile(r"^openssl/"), lambda d, f: d in ("lib-tls", "lib-password")),
    (re.compile(r"^sasl/"), lambda d, f: d == "auth"),
    (re.compile(r"^(mysql\.h|mysql/)"), lambda d, f: d == "lib-sql"),
]
LOGIN_PROGRAMS = {"imap-login", "pop3-login", "login-common"}
# A component's settings table, <name>-settings.[ch], is data and pure
# checks (no I/O). config compiles every one of them to check a whole
# configuration at start, as Dovecot's config does (src/config/meson.build,
# config-components.c), so config may include any <name>-settings.h; in
# return a settings file includes nothing that does I/O and, of other
# components, only L0/L1 headers and other settings headers.
SETTINGS_SUFFIXES = ("-settings.h", "-settings.c")


def is_settings_file(name):
    return name.endswith(SETTINGS_SUFFIXES) and not name.startswith("test-")
LOGIN_FORBIDDEN_DIRS = {"lib-storage", "lib-index", "lib-sql"}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def component(rel_dir):
    """'lib-storage/maildir' -> 'lib-storage'; 'src/x' style paths are relative."""
    return rel_dir.split(os.sep)[0]


def layer(comp):
    return LAYERS.get(comp, PROGRAM)


def check(src_dir, extra_dirs=()):
    """Returns a list of 'file:line: message' violations."""
    headers = {}  # basename -> component
    files = []
    roots = [(src_dir, "")] + [(d, "program:" + os.path.basename(d)) for d in extra_dirs]
    problems = []
    for root, prefix in roots:
        for dirpath, _, names in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            comp = prefix or (component(rel) if rel != "." else "")
            for name in names:
                if not name.endswith((".c", ".h")):
                    continue
                files.append((os.path.join(dirpath, name), comp, name))
                if name.endswith(".h"):
                    if name in headers and headers[name] != comp:
                        problems.append(f"{os.path.join(dirpath, name)}:1: header name "
                                        f"{name} also exists in {headers[name]}")
                    headers.setdefault(name, comp)
    for path, comp, name in files:
        with open(path, errors="replace") as f:
            for lineno, text in enumerate(f, 1):
                m = INCLUDE_RE.match(text)
                if not m:
                    continue
                kind, inc = m.groups()
                where = f"{path}:{lineno}"
                for pattern, allowed in FENCES:
                    if pattern.search(inc) and not allowed(comp, name):
                        problems.append(f"{where}: <{inc}> may only be used in its fence")
                base = os.path.basename(inc)
                if kind == "<" or base not in headers:
                    continue
                target = headers[base]
                if is_settings_file(name) and base in L1_FORBIDDEN:
                    problems.append(f"{where}: settings file {name} uses {inc}: settings "
                                    f"tables do no I/O")
                if target == comp or target == "":
                    continue
                if base == "roost-config.h":
                    continue
                if is_settings_file(name) and layer(target) > 1 and \
                        not is_settings_file(base):
                    problems.append(f"{where}: settings file {name} includes {inc} of "
                                    f"{target}: settings tables are pure")
                    continue
                if comp == "config" and is_settings_file(base):
                    continue
                src_layer, dst_layer = layer(comp), layer(target)
                # login-common is the library directory of the login programs
                shared_login = target == "login-common" and comp in LOGIN_PROGRAMS
                if dst_layer == PROGRAM and target != "config" and not shared_login:
                    problems.append(f"{where}: includes {inc} of program {target}")
                elif dst_layer > src_layer:
                    problems.append(f"{where}: {comp} (L{src_layer}) includes {inc} of "
                                    f"{target} (L{dst_layer}): dependencies point down")
                if src_layer == 1 and base in L1_FORBIDDEN:
                    problems.append(f"{where}: L1 library {comp} uses {inc}: L1 is pure")
                if comp in LOGIN_PROGRAMS and target in LOGIN_FORBIDDEN_DIRS:
                    problems.append(f"{where}: login program {comp} includes {inc} "
                                    f"of {target}")
    return problems


if __name__ == "__main__":
    found = check(sys.argv[1], sys.argv[2:])
    for p in found:
        print(p)
    sys.exit(1 if found else 0)
