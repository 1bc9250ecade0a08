"""tests/layering: the #include graph of the real tree obeys STYLE.md's
layers, and the checker does catch each kind of violation."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import layering  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_real_tree_obeys_layers():
    problems = layering.check(os.path.join(TOP, "src"),
                              [os.path.join(TOP, "tests", "services")])
    assert problems == [], "\n".join(problems)


def write(tmp_path, rel, text):
    p = tmp_path / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def test_checker_catches_violations(tmp_path):
    write(tmp_path, "lib/lib.h", "")
    write(tmp_path, "lib/ioloop.h", "")
    write(tmp_path, "lib/str.c", '#include <ev.h>\n')
    write(tmp_path, "lib-settings/settings.c", '#include "ioloop.h"\n#include "service.h"\n')
    write(tmp_path, "lib-storage/mail-storage.h", "")
    write(tmp_path, "lib-mail/message.c", '#include "mail-storage.h"\n')
    write(tmp_path, "master/service.h", "")
    write(tmp_path, "imap-login/client.c",
          '#include "mail-storage.h"\n#include "service.h"\n#include <openssl/ssl.h>\n')
    problems = "\n".join(layering.check(str(tmp_path)))
    assert "str.c:1: <ev.h>" in problems
    assert "settings.c:1: L1 library lib-settings uses ioloop.h" in problems
    assert "settings.c:2: includes service.h of program master" in problems
    assert "message.c:1: lib-mail (L1) includes mail-storage.h of lib-storage (L3)" in problems
    assert "client.c:1: login program imap-login includes mail-storage.h" in problems
    assert "client.c:2: includes service.h of program master" in problems
    assert "client.c:3: <openssl/ssl.h>" in problems


def test_login_common_only_for_login_programs(tmp_path):
    write(tmp_path, "login-common/login-client.h", "")
    write(tmp_path, "imap-login/imap-login-client.c", '#include "login-client.h"\n')
    write(tmp_path, "pop3-login/pop3-login-client.c", '#include "login-client.h"\n')
    write(tmp_path, "imap/main.c", '#include "login-client.h"\n')
    problems = layering.check(str(tmp_path))
    assert problems == ["%s:1: includes login-client.h of program login-common"
                        % os.path.join(str(tmp_path), "imap", "main.c")]


def test_config_includes_pure_settings_tables(tmp_path):
    write(tmp_path, "lib/ioloop.h", "")
    write(tmp_path, "lib/var-expand.h", "")
    write(tmp_path, "lib-storage/mail-storage.h", "")
    write(tmp_path, "lib-storage/mail-storage-settings.h", "")
    write(tmp_path, "pop3/pop3-client.h", "")
    write(tmp_path, "pop3/pop3-settings.h", "")
    write(tmp_path, "pop3/pop3-settings.c",
          '#include "var-expand.h"\n#include "pop3-settings.h"\n'
          '#include "mail-storage-settings.h"\n#include "ioloop.h"\n'
          '#include "mail-storage.h"\n')
    write(tmp_path, "config/config-components.c",
          '#include "pop3-settings.h"\n#include "mail-storage-settings.h"\n'
          '#include "pop3-client.h"\n')
    problems = "\n".join(layering.check(str(tmp_path)))
    assert "pop3-settings.c:4: settings file pop3-settings.c uses ioloop.h" in problems
    assert "pop3-settings.c:5: settings file pop3-settings.c includes mail-storage.h " \
           "of lib-storage: settings tables are pure" in problems
    assert "config-components.c:3: includes pop3-client.h of program pop3" in problems
    # settings headers: from config, and between settings files
    assert "pop3-settings.c:2" not in problems and "pop3-settings.c:3" not in problems
    assert "config-components.c:1" not in problems and "config-components.c:2" not in problems
    assert len(problems.splitlines()) == 3, problems


def test_every_component_table_is_checked_at_start():
    """Each component's root settings table (a non-static table in a
    <name>-settings.c that no other table uses as a section) is listed in
    config_components[], so roost and roostconf run its check."""
    import re
    src = os.path.join(TOP, "src")
    with open(os.path.join(src, "config", "config-components.c")) as f:
        registry = f.read()
    roots = []
    for dirpath, _, names in os.walk(src):
        comp = os.path.relpath(dirpath, src).split(os.sep)[0]
        if comp in ("config", "lib-settings"):
            continue
        for name in names:
            if not name.endswith("-settings.c") or name.startswith("test-"):
                continue
            with open(os.path.join(dirpath, name)) as f:
                text = f.read()
            tables = re.findall(r"^const struct setting_table (\w+) =", text, re.M)
            sections = set(re.findall(r"\.section = &(\w+)", text))
            roots += [t for t in tables if t not in sections]
    assert len(roots) >= 7, roots
    # tables of files other than the main configuration, each checked where
    # that file is read (config-load.c)
    with open(os.path.join(src, "config", "config-load.c")) as f:
        loader = f.read()
    other_files = {"sql_connect_setting_table"}
    for t in other_files:
        assert t in roots and re.search(rf"&{t}\b", loader), t
    missing = [t for t in roots if t not in other_files and not re.search(rf"&{t}\b", registry)]
    assert missing == [], f"add to config_components[] in config-components.c: {missing}"
