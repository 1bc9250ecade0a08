"""Every configuration snippet of the seed documents, fed through
`roostconf -n`, and the error reporting of the configuration loader.

The snippets are in tests/fixtures/seeds/ (one file each, "dovecot" turned
into "roost" in paths, absolute paths under @ROOT@). Each test builds a
fixture root in a temporary directory: @ROOT@ replaced everywhere, the files
the snippets name (users file, SQL connection file, DH parameters) copied in,
and a self-signed certificate made with openssl. A fixture declares what it
expects in comments:
    # expect: TEXT    TEXT appears in the output of roostconf -n
    # absent: TEXT    TEXT does not appear in it
    # warn: TEXT      one warning mentions TEXT (and there are no others)
    # sql: yes        the file is an SQL connection file (dovecot-sql.conf.ext)

Run with: ROOST_BUILD_DIR=/path/to/build /usr/bin/python3 -m pytest tests/config
"""
import os
import re
import shutil
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join(TOP, "tests", "fixtures", "seeds")
CONF_D = os.path.join(TOP, "conf.d")

# Support files of the fixture root made from the seed snippets themselves,
# so that a snippet that includes another finds it as the document wrote it.
COMPOSED = {
    "etc/roost/conf.d/auth-system.conf.ext": [
        "003_09_auth-system_passdb.conf", "003_10_auth-system_userdb.conf"],
    "etc/roost/conf.d/auth-passwdfile.conf.ext": ["003_11_auth-passwdfile.conf"],
    "etc/roost/conf.d/auth-sql.conf.ext": ["004_04_auth-sql.conf"],
    "etc/roost/roost-sql.conf.ext": ["004_05_roost-sql.conf.ext"],
}
LETSENCRYPT = "etc/letsencrypt/live/mail.example.com"
EXIT_FATAL = 89


def roostconf_path():
    build = os.environ.get("ROOST_BUILD_DIR")
    if not build:
        pytest.fail("ROOST_BUILD_DIR is not set: point it at the meson build directory "
                    "(e.g. ROOST_BUILD_DIR=/work/main/build-config)")
    path = os.path.join(build, "src", "config", "roostconf")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: build it with ninja -C {build}")
    return path


def roostconf(*args, env=None):
    full_env = {k: v for k, v in os.environ.items() if k != "ROOST_CONFIG"}
    full_env.update(env or {})
    return subprocess.run([roostconf_path(), *args], capture_output=True, text=True,
                          timeout=60, env=full_env)


def warning_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("roostconf: Warning: ")]


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("roostconf: Error: ")]


def seed_fixtures():
    """NNN_MM_*.conf(.ext): seed number, snippet number."""
    return sorted(name for name in os.listdir(SEEDS)
                  if re.match(r"^\d{3}_\d{2}_.*\.conf(\.ext)?$", name))


def directives(text, name):
    return [m.group(1).rstrip() for m in re.finditer(rf"^# {name}: (.*)$", text, re.M)]


def substitute(text, root):
    return text.replace("@ROOT@", str(root))


@pytest.fixture(scope="session")
def tls_pair(tmp_path_factory):
    """A self-signed certificate and key for mail.example.com."""
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=mail.example.com", "-keyout", str(d / "privkey.pem"),
                    "-out", str(d / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    return d


@pytest.fixture
def fixture_root(tmp_path, tls_pair):
    """A fixture root with every file the seed snippets name."""
    root = tmp_path / "root"
    src_root = os.path.join(SEEDS, "root")
    for dirpath, _dirs, files in os.walk(src_root):
        rel = os.path.relpath(dirpath, src_root)
        (root / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            with open(os.path.join(dirpath, name)) as f:
                (root / rel / name).write_text(substitute(f.read(), root))
    for rel, parts in COMPOSED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        text = "".join(open(os.path.join(SEEDS, p)).read() for p in parts)
        (root / rel).write_text(substitute(text, root))
    le = root / LETSENCRYPT
    le.mkdir(parents=True)
    for name in ("cert.pem", "fullchain.pem", "chain.pem"):
        shutil.copy(tls_pair / "cert.pem", le / name)
    shutil.copy(tls_pair / "privkey.pem", le / "privkey.pem")
    os.chmod(le / "privkey.pem", 0o600)
    for d in ("var/log/roost", "var/spool/postfix/private", "var/mail/vhosts",
              "var/lib/roost/sieve/global", "usr/local/bin", "home"):
        (root / d).mkdir(parents=True, exist_ok=True)
    script = root / "usr/local/bin/quota-warning.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    return root


def install_fixture(root, name):
    """The fixture as the document places it: in /etc/roost/conf.d/."""
    text = open(os.path.join(SEEDS, name)).read()
    conf_d = root / "etc/roost/conf.d"
    if directives(text, "sql") == ["yes"]:
        # an SQL connection file is read through the passdb that names it
        path = root / "etc/roost" / name
        path.write_text(substitute(text, root))
        main = conf_d / "sql-passdb.conf"
        main.write_text(f"passdb {{\n  driver = sql\n  args = {path}\n}}\n")
        return main, text
    path = conf_d / name
    path.write_text(substitute(text, root))
    return path, text


@pytest.mark.parametrize("name", seed_fixtures())
def test_seed_snippet(fixture_root, name):
    path, text = install_fixture(fixture_root, name)
    r = roostconf("-n", "-c", str(path))
    assert r.returncode == 0, f"roostconf failed on {name}:\n{r.stderr}"
    assert "Error" not in r.stderr, r.stderr
    assert "Fatal" not in r.stderr, r.stderr
    for expected in directives(text, "expect"):
        expected = substitute(expected, fixture_root)
        assert expected in r.stdout, f"{name}: '{expected}' not in:\n{r.stdout}"
    for unexpected in directives(text, "absent"):
        assert unexpected not in r.stdout, f"{name}: '{unexpected}' in:\n{r.stdout}"
    warnings = warning_lines(r.stderr)
    wanted = directives(text, "warn")
    for w in wanted:
        assert any(w in line for line in warnings), f"{name}: no warning about {w}: {warnings}"
    assert len(warnings) == len(wanted), f"{name}: warnings {warnings}, expected {wanted}"


def test_every_snippet_has_a_fixture():
    # 38 code blocks of seed 003 (Dovecot module and exercise solutions),
    # 5 of seed 004, the inline advice of seed 000.
    names = seed_fixtures()
    assert len([n for n in names if n.startswith("003_")]) == 38
    assert len([n for n in names if n.startswith("004_")]) == 5
    assert len([n for n in names if n.startswith("000_")]) == 1


def test_all_seed_snippets_together(fixture_root):
    """The snippets of one document make one configuration (the exercise
    solutions on top of the module's files)."""
    conf_d = fixture_root / "etc/roost/conf.d"
    for name in seed_fixtures():
        if name.startswith("003_") and name not in ("003_09_auth-system_passdb.conf",
                                                    "003_10_auth-system_userdb.conf"):
            install_fixture(fixture_root, name)
    main = fixture_root / "etc/roost/roost.conf"
    main.write_text("!include conf.d/003_*.conf\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == 0, r.stderr
    assert not error_lines(r.stderr)
    # one warning per plugin name, however often it is named
    assert len([w for w in warning_lines(r.stderr) if "plugin 'sieve'" in w]) == 1
    # quota is built in (and its script service runs through the plugin)
    assert not [w for w in warning_lines(r.stderr) if "quota" in w]
    assert f"unix_listener {fixture_root}/var/spool/postfix/private/roost-lmtp" in r.stdout
    assert conf_d.is_dir()


# ---- errors ----

def test_three_mistakes_in_three_files(tmp_path):
    (tmp_path / "a.conf").write_text("# first\nimap_max_line_length = lots\n")
    (tmp_path / "b.conf").write_text("protocols = imap\n\nunknown_setting_xyz = 1\n")
    (tmp_path / "c.conf").write_text("ssl = maybe\n")
    main = tmp_path / "roost.conf"
    main.write_text("!include a.conf\n!include b.conf\n!include c.conf\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == EXIT_FATAL, r.stderr
    errors = error_lines(r.stderr)
    assert len(errors) == 3, r.stderr
    assert any(f"{tmp_path}/a.conf:2:" in e and "imap_max_line_length" in e for e in errors)
    assert any(f"{tmp_path}/b.conf:3:" in e and "unknown_setting_xyz" in e for e in errors)
    assert any(f"{tmp_path}/c.conf:1:" in e and "ssl" in e for e in errors)
    assert r.stderr.rstrip().splitlines()[-1] == \
        "roostconf: Fatal: 3 errors in configuration"
    assert r.stdout == ""


def test_misspelt_key_did_you_mean(tmp_path):
    main = tmp_path / "roost.conf"
    main.write_text("protocols = imap\ndisable_plaintext_aut = yes\n")
    r = roostconf("-c", str(main))
    assert r.returncode == EXIT_FATAL
    errors = error_lines(r.stderr)
    assert len(errors) == 1, r.stderr
    assert f"{main}:2:" in errors[0]
    assert "did you mean" in errors[0] and "disable_plaintext_auth" in errors[0], errors[0]
    assert r.stderr.rstrip().endswith("roostconf: Fatal: 1 error in configuration")


def test_misspelt_key_in_section(tmp_path):
    main = tmp_path / "roost.conf"
    main.write_text("service imap-login {\n  inet_listener imap {\n    portt = 0\n  }\n}\n")
    r = roostconf("-c", str(main))
    assert r.returncode == EXIT_FATAL
    errors = error_lines(r.stderr)
    assert len(errors) == 1 and f"{main}:3:" in errors[0] and "port" in errors[0], r.stderr


def test_bad_sql_file_is_reported(fixture_root):
    sql = fixture_root / "etc/roost/broken-sql.conf.ext"
    sql.write_text("driver = mysql\nconect = host=localhost\n")
    main = fixture_root / "etc/roost/roost.conf"
    main.write_text(f"passdb {{\n  driver = sql\n  args = {sql}\n}}\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == EXIT_FATAL
    assert any(f"{sql}:2:" in e and "connect" in e for e in error_lines(r.stderr)), r.stderr


def test_sql_file_without_driver(fixture_root):
    """The shipped example has everything commented out: enabling
    auth-sql.conf.ext without filling it in is an error, once per file."""
    sql = fixture_root / "etc/roost/empty-sql.conf.ext"
    shutil.copy(os.path.join(CONF_D, "roost-sql.conf.ext"), sql)
    main = fixture_root / "etc/roost/roost.conf"
    main.write_text(f"passdb {{\n  driver = sql\n  args = {sql}\n}}\n"
                    f"userdb {{\n  driver = sql\n  args = {sql}\n}}\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == EXIT_FATAL
    errors = error_lines(r.stderr)
    assert len(errors) == 2, r.stderr
    assert "driver is not set" in errors[0] and "connect is not set" in errors[1]
    assert f"{main}:3" in errors[0]


def test_missing_include_is_an_error(tmp_path):
    main = tmp_path / "roost.conf"
    main.write_text("!include missing.conf\n!include_try also-missing.conf\n")
    r = roostconf("-c", str(main))
    assert r.returncode == EXIT_FATAL
    errors = error_lines(r.stderr)
    assert len(errors) == 1 and f"{main}:1:" in errors[0], r.stderr


def test_uid_range_check(tmp_path):
    main = tmp_path / "roost.conf"
    main.write_text("protocols = imap\nfirst_valid_uid = 6000\nlast_valid_uid = 5000\n")
    r = roostconf("-c", str(main))
    assert r.returncode == EXIT_FATAL
    errors = error_lines(r.stderr)
    assert len(errors) == 1 and "first_valid_uid" in errors[0], r.stderr
    assert f"{main}:2:" in errors[0], errors[0]


def test_component_check_pop3_delete_type(tmp_path):
    """A value pop3 refuses is an error at start, as the master reports it
    (tests/integration/test_config_checks.py), not at the first login."""
    main = tmp_path / "roost.conf"
    main.write_text("protocols = imap pop3\npop3_delete_type = flag\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == EXIT_FATAL
    assert error_lines(r.stderr) == [
        f"roostconf: Error: {main}:2: pop3_delete_type=flag, but pop3_deleted_flag not set"]
    assert r.stderr.rstrip().endswith("roostconf: Fatal: 1 error in configuration")
    assert r.stdout == ""
    main.write_text("protocols = imap pop3\npop3_delete_type = flag\n"
                    "pop3_deleted_flag = $POP3Deleted\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert "pop3_delete_type = flag" in r.stdout


def test_component_check_under_protocol_and_network_filters(tmp_path):
    """The values each service sees: protocol pop3 { } only for pop3,
    local/remote sections for the connections they select."""
    (tmp_path / "20-pop3.conf").write_text(
        "protocol pop3 {\n  pop3_client_workarounds = outlook-no-nuls bogus\n}\n")
    main = tmp_path / "roost.conf"
    main.write_text("protocols = imap pop3 lmtp\n"
                    "protocol imap {\n  pop3_client_workarounds = ignored-by-pop3\n}\n"
                    "!include 20-pop3.conf\n"
                    "remote 192.0.2.0/24 {\n  postmaster_address = \"no address\"\n}\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == EXIT_FATAL
    assert error_lines(r.stderr) == [
        f"roostconf: Error: {tmp_path}/20-pop3.conf:2: pop3_client_workarounds: "
        "unknown workaround: bogus",
        f"roostconf: Error: {main}:7: remote 192.0.2.0/24: postmaster_address: "
        "invalid address 'no address'"], r.stderr
    assert r.stderr.rstrip().endswith("roostconf: Fatal: 2 errors in configuration")


# ---- output ----

def root_settings(text):
    """key -> value of the root-level "key = value" lines of roostconf output."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z0-9_]+) = ?(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


@pytest.fixture(scope="module")
def defaults(tmp_path_factory):
    empty = tmp_path_factory.mktemp("empty") / "roost.conf"
    empty.write_text("")
    r = roostconf("-c", str(empty))
    assert r.returncode == 0, r.stderr
    values = root_settings(r.stdout)
    assert len(values) >= 200, r.stdout
    return values


def test_defaults_are_dovecots(defaults):
    assert defaults["protocols"] == "imap pop3 lmtp"
    assert defaults["listen"] == "*, ::"
    assert defaults["default_login_user"] == "roostnull"
    assert defaults["default_internal_user"] == "roost"
    assert defaults["default_process_limit"] == "100"
    assert defaults["default_client_limit"] == "1000"
    assert defaults["first_valid_uid"] == "500"
    assert defaults["last_valid_uid"] == "0"
    assert defaults["disable_plaintext_auth"] == "yes"
    assert defaults["ssl_min_protocol"] == "TLSv1.2"
    assert defaults["syslog_facility"] == "mail"
    assert defaults["pop3_uidl_format"] == "%08Xu%08Xv"


def check_only_nondefaults(output, defaults):
    settings = root_settings(output)
    assert settings, output
    for key, value in settings.items():
        assert key in defaults, f"{key} is not a known root setting"
        assert value != defaults[key], f"roostconf -n printed the default {key} = {value}"


def test_shipped_conf_d_in_source_tree(defaults):
    r = roostconf("-n", "-c", os.path.join(CONF_D, "roost.conf"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    check_only_nondefaults(r.stdout, defaults)
    assert "mail_location = maildir:~/Maildir" in r.stdout
    assert "auth_mechanisms = plain login" in r.stdout
    assert "driver = pam" in r.stdout and "driver = passwd" in r.stdout
    assert re.search(r'special_use = "?\\\\?Sent"?', r.stdout), r.stdout
    # nothing of the built-in services that the files did not change
    assert "inet_listener imaps" not in r.stdout
    assert "auth-worker" not in r.stdout


def test_shipped_conf_d_installed_layout(tmp_path, defaults):
    """/etc/roost/roost.conf with the numbered files in /etc/roost/conf.d/."""
    etc = tmp_path / "etc/roost"
    (etc / "conf.d").mkdir(parents=True)
    for name in os.listdir(CONF_D):
        dest = etc if name in ("roost.conf", "roost-sql.conf.ext") else etc / "conf.d"
        shutil.copy(os.path.join(CONF_D, name), dest / name)
    installed = roostconf("-n", "-c", str(etc / "roost.conf"))
    assert installed.returncode == 0, installed.stderr
    assert installed.stderr == ""
    check_only_nondefaults(installed.stdout, defaults)
    in_tree = roostconf("-n", "-c", os.path.join(CONF_D, "roost.conf"))
    # the same configuration either way (the first line names the file)
    assert installed.stdout.splitlines()[1:] == in_tree.stdout.splitlines()[1:]


def test_names_and_values(tmp_path):
    main = tmp_path / "roost.conf"
    main.write_text("mail_location = maildir:~/Maildir\nprotocol imap {\n"
                    "  mail_max_userip_connections = 20\n}\nplugin {\n  sieve = file:~/sieve\n}\n")
    r = roostconf("-c", str(main), "mail_location", "protocols")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "mail_location = maildir:~/Maildir\nprotocols = imap pop3 lmtp\n"
    r = roostconf("-h", "-c", str(main), "mail_location")
    assert r.stdout == "maildir:~/Maildir\n"
    r = roostconf("-c", str(main), "-f", "protocol=imap", "mail_max_userip_connections")
    assert r.stdout == "mail_max_userip_connections = 20\n", r.stderr
    r = roostconf("-c", str(main), "mail_max_userip_connections")
    assert r.stdout == "mail_max_userip_connections = 10\n", r.stderr
    r = roostconf("-c", str(main), "plugin/sieve")
    assert r.stdout == "plugin/sieve = file:~/sieve\n", r.stderr
    r = roostconf("-c", str(main), "no_such_setting")
    assert r.returncode == EXIT_FATAL and "Unknown setting: no_such_setting" in r.stderr
    r = roostconf("mail_location", env={"ROOST_CONFIG": str(main)})
    assert r.stdout == "mail_location = maildir:~/Maildir\n", r.stderr


def test_secrets_hidden_unless_asked(fixture_root):
    path, _ = install_fixture(fixture_root, "003_18_10-ssl_cert_key.conf")
    for args in (["-n"], [], ["ssl_key"]):
        r = roostconf("-c", str(path), *args)
        assert r.returncode == 0, r.stderr
        assert "PRIVATE KEY" not in r.stdout
        assert "ssl_key = # hidden, use -P to show it" in r.stdout, r.stdout
    r = roostconf("-P", "-c", str(path), "ssl_key")
    assert "PRIVATE KEY" in r.stdout
    r = roostconf("-P", "-n", "-c", str(path))
    assert "ssl_key = <" in r.stdout and "# hidden" not in r.stdout


def test_future_protocol_is_a_warning(tmp_path):
    main = tmp_path / "roost.conf"
    main.write_text("protocols = imap pop3 lmtp sieve\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == 0, r.stderr
    assert warning_lines(r.stderr) == [
        f"roostconf: Warning: {main}:1: protocols: sieve (ManageSieve) is not available yet; "
        "it has no effect"]
    main.write_text("protocols = imap nntp\n")
    r = roostconf("-n", "-c", str(main))
    assert r.returncode == EXIT_FATAL
    assert error_lines(r.stderr) == [
        f"roostconf: Error: {main}:1: protocols: unknown protocol: nntp"]


def test_warnings_do_not_fail(fixture_root):
    path, _ = install_fixture(fixture_root, "003_27_20-lmtp_sieve.conf")
    r = roostconf("-n", "-c", str(path))
    assert r.returncode == 0
    assert warning_lines(r.stderr) == [
        f"roostconf: Warning: {path}:7: mail_plugins: plugin 'sieve' is not available yet; "
        "it has no effect"]
