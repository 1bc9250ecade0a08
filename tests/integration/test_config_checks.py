"""Every component's settings check runs in the master at start and on
reload (and in roostadm reload), under the protocol filters the services
read: a setting combination that pop3, lmtp, auth or the login processes
would refuse stops roost before it binds anything, with file:line, instead
of failing every login at run time. The roostconf side is in
tests/config/test_seeds.py."""
import os
import poplib
import signal
import socket
import subprocess

from conftest import build_path, free_port, wait_for
from login_util import USER, PASSWORD, client_tls_context, login_config
from login_util import login_server, login_server_factory, login_root, login_certs  # noqa: F401

EXIT_FATAL = 89


def line_of(path, text):
    """The 1-based line of path that is exactly text (stripped)."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return lines.index(text) + 1


def refused_start(roost_factory, login_root, login_certs, extra):
    """Starts roost on the login configuration plus extra; it must refuse.
    Returns (roost, ports, stderr)."""
    ports = {k: free_port() for k in ("imap", "imaps", "pop3", "pop3s")}
    r = roost_factory("")
    r.base_dir = login_root / "run-refused"
    r.log_path = login_root / "refused.log"
    r.write_config(login_config(login_root, login_certs, ports, extra))
    r.start(expect_ok=False)
    assert r.proc.wait(timeout=10) == EXIT_FATAL
    err = r.proc.stderr.read()
    assert "Refusing to start with an invalid configuration" in err, err
    # nothing was bound or started
    assert not (r.base_dir / "master.pid").exists()
    for port in ports.values():
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
    return r, ports, err


def error_lines(stderr):
    """The configuration errors, without the count that follows them."""
    return [line for line in stderr.splitlines() if line.startswith("roost: Error: ") and
            not line.startswith("roost: Error: Invalid configuration in ")]


def test_refuses_pop3_delete_type_flag_without_flag(roost_factory, login_root, login_certs):
    r, _, err = refused_start(roost_factory, login_root, login_certs, "pop3_delete_type = flag")
    line = line_of(r.config_path, "pop3_delete_type = flag")
    assert error_lines(err) == [
        f"roost: Error: {r.config_path}:{line}: pop3_delete_type=flag, but pop3_deleted_flag "
        "not set"], err
    assert f"Invalid configuration in {r.config_path}: 1 error" in err


def test_refuses_bad_value_only_inside_protocol_pop3(roost_factory, login_root, login_certs):
    # in an included file, as conf.d/20-pop3.conf would have it
    pop3_conf = login_root / "20-pop3.conf"
    pop3_conf.write_text("# POP3 clients\nprotocol pop3 {\n  pop3_client_workarounds = "
                         "outlook-no-nuls oe-ns-eoh outlook-2003\n}\n")
    pop3_conf.chmod(0o644)
    r, _, err = refused_start(roost_factory, login_root, login_certs,
                              "pop3_client_workarounds = outlook-no-nuls\n"
                              f"!include {pop3_conf}\n")
    assert error_lines(err) == [
        f"roost: Error: {pop3_conf}:3: pop3_client_workarounds: unknown workaround: "
        "outlook-2003"], err


def test_refuses_every_component_error_at_once(roost_factory, login_root, login_certs):
    r, _, err = refused_start(roost_factory, login_root, login_certs,
                              "postmaster_address = postmaster@@example.com\n"
                              "auth_verbose_passwords = cleartext\n"
                              "protocol imap {\n  ssl_options = no_ticket no_sslv2\n}\n")
    errors = error_lines(err)
    assert len(errors) == 3, err
    expected = [
        ("auth_verbose_passwords = cleartext", "auth_verbose_passwords: unknown value"),
        ("ssl_options = no_ticket no_sslv2", "ssl_options: unknown option 'no_sslv2'"),
        ("postmaster_address = postmaster@@example.com",
         "postmaster_address: invalid address 'postmaster@@example.com'"),
    ]
    for (text, message), got in zip(expected, errors):
        assert f"{r.config_path}:{line_of(r.config_path, text)}: {message}" in got, got
    assert f"Invalid configuration in {r.config_path}: 3 errors" in err


def pop3_login_stat(server):
    p = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=client_tls_context())
    p.user(USER)
    p.pass_(PASSWORD)
    count, _ = p.stat()
    p.quit()
    return count


def test_good_pop3_settings_start_and_serve(login_server_factory):
    """The same settings, right: roost starts and the pop3 process takes them."""
    server = login_server_factory(
        "pop3_delete_type = flag\npop3_deleted_flag = $POP3Deleted\n"
        "protocol pop3 {\n  pop3_client_workarounds = outlook-no-nuls oe-ns-eoh\n}\n"
        "postmaster_address = postmaster@example.com\n")
    assert pop3_login_stat(server) == 0
    assert "Error" not in server.log() and "Fatal" not in server.log(), server.log()


def test_reload_with_component_error_keeps_running(login_server_factory):
    server = login_server_factory()
    assert pop3_login_stat(server) == 0
    good = server.config_path.read_text()
    server.config_path.write_text(good + "protocol pop3 {\n  pop3_delete_type = flag\n}\n")
    line = len(good.splitlines()) + 2
    # roostadm reload checks first, as for a type error: it says why and
    # does not signal the master
    adm = build_path("src", "admin", "roostadm")
    out = subprocess.run([adm, "-c", str(server.config_path), "reload"], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode != 0
    assert f"{server.config_path}:{line}: pop3_delete_type=flag, but pop3_deleted_flag not " \
           "set" in out.stderr, out.stderr
    assert "SIGHUP received" not in server.log()
    # a SIGHUP from elsewhere: the master logs the error and keeps the old config
    server.signal(signal.SIGHUP)
    server.wait_log("Config reload failed: keeping the running configuration")
    log = server.log()
    assert f"{server.config_path}:{line}: pop3_delete_type=flag, but pop3_deleted_flag not " \
           "set" in log, log
    assert "Configuration reloaded" not in log
    assert pop3_login_stat(server) == 0
    # fixed: the reload goes through
    server.config_path.write_text(good + "protocol pop3 {\n  pop3_delete_type = flag\n"
                                  "  pop3_deleted_flag = $POP3Deleted\n}\n")
    out = subprocess.run([adm, "-c", str(server.config_path), "reload"], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    server.wait_log("Configuration reloaded")
    wait_for(lambda: pop3_login_stat(server) == 0, what="pop3 login after reload")
    assert os.path.exists(server.base_dir / "master.pid")
