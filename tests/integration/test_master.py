"""The master process: listeners, supervision, reload, shutdown, logging,
config errors. Driven with the roost-test-echo service over real sockets."""
import os
import pwd
import signal
import subprocess
import time

import pytest

from conftest import LineClient, build_path, free_port, proc_uid, wait_for


def echo_config(port, greeting="first", extra="", service_extra=""):
    # anvil (built-in, process_min_avail = 1) only on demand: these tests
    # count the echo service's processes
    return f"""
protocols = imap
login_greeting = {greeting}
service anvil {{
  process_min_avail = 0
}}
{extra}
service test-echo {{
  executable = roost-test-echo
  process_min_avail = 1
  inet_listener echo {{
    port = {port}
  }}
  unix_listener echo-socket {{
    mode = 0666
  }}
  {service_extra}
}}
"""


def hello(client):
    line = client.readline()
    assert line.startswith("* HELLO "), line
    return dict(kv.split("=", 1) for kv in line[len("* HELLO "):].split(" "))


def test_serves_tcp_and_unix_listeners(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port)).start()
    c = LineClient.tcp(port)
    info = hello(c)
    assert info["greeting"] == "first"
    assert info["listener"] == "echo"
    c.send("hello world")
    assert c.readline() == "ECHO hello world"
    c.send("QUIT")
    assert c.readline() == "BYE"
    u = LineClient.unix(r.base_dir / "echo-socket")
    assert hello(u)["listener"] == "echo-socket"
    assert oct(os.stat(r.base_dir / "echo-socket").st_mode & 0o777) == "0o666"
    u.close()
    # children's lines reach the log through the master, with their prefix
    r.wait_log("test-echo: Info: connection from 127.0.0.1 on echo")
    assert "master: Info: Roost v" in r.log()


def test_restarts_killed_child_within_a_second(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port)).start()
    first = wait_for(r.children, what="first child")
    assert len(first) == 1
    os.kill(first[0], signal.SIGKILL)
    start = time.monotonic()
    new = wait_for(lambda: [p for p in r.children() if p not in first], timeout=1.0,
                   what="replacement child")
    assert time.monotonic() - start < 1.0
    c = LineClient.tcp(port)
    assert hello(c)["pid"] == str(new[0])
    c.close()
    r.wait_log(f"service(test-echo): child {first[0]} killed with signal 9")


def test_keeps_process_min_avail(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port, service_extra="process_min_avail = 3")).start()
    wait_for(lambda: len(r.children()) == 3, what="3 children")
    # busy processes do not count as available: with client_limit 1 each
    # connection takes one, and the master starts replacements
    r.write_config(echo_config(port, greeting="second",
                               service_extra="process_min_avail = 2\nclient_limit = 1"))
    r.signal(signal.SIGHUP)
    r.wait_log("Configuration reloaded")
    clients = []

    def new_generation_client():
        c = LineClient.tcp(port)
        if hello(c)["greeting"] == "second":
            return c
        c.close()  # an old process had not yet seen its dead pipe
        return None
    for _ in range(3):
        clients.append(wait_for(new_generation_client, what="a new-generation process"))
    # 3 busy (client_limit 1) + 2 spare; the old generation has exited
    wait_for(lambda: len(r.children()) == 5, what="3 busy + 2 spare children")
    for c in clients:
        c.close()


def test_process_limit_and_on_demand_start(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(
        port, service_extra="process_min_avail = 0\nclient_limit = 1\nprocess_limit = 2")).start()
    time.sleep(0.3)
    assert r.children() == []
    a = LineClient.tcp(port)
    pa = hello(a)["pid"]
    b = LineClient.tcp(port)
    pb = hello(b)["pid"]
    assert pa != pb
    # a third client waits in the backlog until a process frees up
    c = LineClient.tcp(port)
    a.send("QUIT")
    assert a.readline() == "BYE"
    assert hello(c)["pid"] == pa
    r.wait_log("process_limit (2) reached")
    b.close()
    c.close()


def test_service_count_one_process_per_connection(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port, service_extra="service_count = 1")).start()
    pids = set()
    for _ in range(3):
        c = LineClient.tcp(port)
        pids.add(hello(c)["pid"])
        c.send("QUIT")
        c.readline()
        c.close()
    assert len(pids) == 3


def test_reload_keeps_open_connection(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port, greeting="first")).start()
    old = LineClient.tcp(port)
    old_pid = hello(old)["pid"]
    r.write_config(echo_config(port, greeting="second"))
    r.signal(signal.SIGHUP)
    r.wait_log("Configuration reloaded")
    # the open connection stays on the old process and still works
    old.send("still here")
    assert old.readline() == "ECHO still here"

    # the old process stops accepting as soon as it reads its dead pipe
    def new_client():
        c = LineClient.tcp(port)
        info = hello(c)
        if info["greeting"] == "second":
            return c, info
        c.close()
        return None
    new, info = wait_for(new_client, timeout=2, what="a process with the new config")
    assert info["pid"] != old_pid
    assert int(old_pid) in r.children()
    old.send("QUIT")
    assert old.readline() == "BYE"
    # the old process exits once its last client is gone
    wait_for(lambda: int(old_pid) not in r.children(), what="old process to exit")
    new.close()


def test_reload_with_bad_config_keeps_running(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port)).start()
    r.write_config(echo_config(port) + "\nno_such_setting = 1\n")
    r.signal(signal.SIGHUP)
    r.wait_log("Config reload failed")
    assert "no_such_setting" in r.log()
    c = LineClient.tcp(port)
    assert hello(c)["greeting"] == "first"
    c.close()


def test_config_error_refuses_to_start_with_file_and_line(roost_factory, tmp_path):
    port = free_port()
    r = roost_factory(echo_config(port) + "\nmail_locaton = maildir:~/Maildir\n")
    r.start(expect_ok=False)
    assert r.proc.wait(timeout=10) == 89
    err = r.proc.stderr.read()
    line_no = r.config_path.read_text().splitlines().index("mail_locaton = maildir:~/Maildir") + 1
    assert f"{r.config_path}:{line_no}:" in err, err
    assert "mail_location" in err  # did you mean


def test_second_master_on_same_base_dir_refuses(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port)).start()
    second = subprocess.run([build_path("src", "master", "roost"), "-F", "-c",
                             str(r.config_path)], capture_output=True, text=True, timeout=10)
    assert second.returncode != 0
    assert f"already running with PID {r.proc.pid}" in second.stderr
    # the first one is unharmed
    c = LineClient.tcp(port)
    hello(c)
    c.close()


def test_startup_failure_is_throttled(roost_factory, tmp_path):
    port = free_port()
    script = tmp_path / "failing-service"
    script.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    script.chmod(0o755)
    body = echo_config(port) + f"""
service failing {{
  executable = {script}
  process_min_avail = 1
}}
"""
    r = roost_factory(body).start()
    r.wait_log("service(failing): command startup failed, throttling for 2 secs")
    # it does not spin: within 1.5 s at most one more attempt happened
    count = r.log().count("service(failing): child")
    time.sleep(1.5)
    assert r.log().count("service(failing): child") <= count + 1
    r.wait_log("throttling for 4 secs", timeout=6)
    # the other service is unaffected
    c = LineClient.tcp(port)
    hello(c)
    c.close()


def test_sigterm_stops_everything(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port, service_extra="process_min_avail = 2")).start()
    kids = wait_for(lambda: len(r.children()) == 2 and r.children(), what="children")
    c = LineClient.tcp(port)
    hello(c)
    r.proc.send_signal(signal.SIGTERM)
    assert r.proc.wait(timeout=10) == 0
    for pid in kids:
        assert not os.path.exists(f"/proc/{pid}") or \
            open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
    assert not (r.base_dir / "master.pid").exists()
    assert "Shutting down" in r.log()


def test_stop_and_reload_commands(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port)).start()
    roost = build_path("src", "master", "roost")
    out = subprocess.run([roost, "-c", str(r.config_path), "reload"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    r.wait_log("reloading configuration")
    out = subprocess.run([roost, "-c", str(r.config_path), "stop"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert r.proc.wait(timeout=10) == 0


def test_roostadm_reload_log_reopen_stop(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port)).start()
    adm = build_path("src", "admin", "roostadm")
    out = subprocess.run([adm, "-c", str(r.config_path), "reload"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    r.wait_log("Configuration reloaded")
    os.rename(r.log_path, r.log_path.with_suffix(".old"))
    out = subprocess.run([adm, "-c", str(r.config_path), "log", "reopen"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    r.wait_log("Log files reopened")
    out = subprocess.run([adm, "-c", str(r.config_path), "stop"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert r.proc.wait(timeout=10) == 0
    out = subprocess.run([adm, "-c", str(r.config_path), "reload"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode != 0 and "not running" in out.stderr


def test_info_and_debug_log_paths(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port, extra=""))
    info = r.dir / "info.log"
    r.write_config(echo_config(port) + f"info_log_path = {info}\n")
    r.start()
    wait_for(lambda: info.exists() and "starting up" in info.read_text(), what="info log")
    c = LineClient.tcp(port)
    hello(c)
    c.send("CRASH")
    r.wait_log("killed with signal 6")
    # errors go to log_path, informational lines to info_log_path
    assert "starting up" not in r.log()
    assert "killed with signal" not in info.read_text()


def test_sigusr1_reopens_log(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(port)).start()
    r.wait_log("starting up")
    rotated = r.log_path.with_suffix(".1")
    os.rename(r.log_path, rotated)
    r.signal(signal.SIGUSR1)
    wait_for(lambda: r.log_path.exists(), what="new log file")
    r.wait_log("Log files reopened")
    c = LineClient.tcp(port)
    hello(c)
    c.close()
    r.wait_log("connection from 127.0.0.1")


def test_version_and_print_config(roost_factory):
    roost = build_path("src", "master", "roost")
    out = subprocess.run([roost, "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.strip()
    port = free_port()
    r = roost_factory(echo_config(port, greeting="printed-greeting"))
    out = subprocess.run([roost, "-n", "-c", str(r.config_path)], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert "login_greeting = printed-greeting" in out.stdout
    assert "ssl_min_protocol" not in out.stdout  # a default: only in -a
    out = subprocess.run([roost, "-a", "-c", str(r.config_path)], capture_output=True,
                         text=True, timeout=10)
    assert "ssl_min_protocol = TLSv1.2" in out.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: run through sudo (tests/run-all.sh)")
def test_service_drops_to_its_user_and_chroot(roost_factory):
    port = free_port()
    nobody = pwd.getpwnam("nobody")
    r = roost_factory(echo_config(
        port, service_extra="user = nobody\nchroot = echo-root")).start()
    c = LineClient.tcp(port)
    info = hello(c)
    pid = int(info["pid"])
    assert int(info["uid"]) == nobody.pw_uid
    assert proc_uid(pid) == nobody.pw_uid
    assert os.readlink(f"/proc/{pid}/root") == str(r.base_dir / "echo-root")
    c.close()


def test_listen_on_ipv4_and_ipv6_wildcards(roost_factory):
    import socket as sk
    port = free_port()
    r = roost_factory(echo_config(port, extra="listen = *, ::"))
    # the header sets listen = 127.0.0.1 first; this later line wins
    r.start()
    c = LineClient.tcp(port, host="127.0.0.1")
    hello(c)
    c.close()
    if sk.has_ipv6 and os.path.exists("/proc/net/if_inet6"):
        s6 = sk.socket(sk.AF_INET6, sk.SOCK_STREAM)
        s6.settimeout(5)
        s6.connect(("::1", port))
        c6 = LineClient(s6)
        hello(c6)
        c6.close()
    else:
        r.wait_log("IPv6 is not available")


def test_unix_listener_mode_and_owner(roost_factory):
    port = free_port()
    nobody = pwd.getpwnam("nobody")
    body = echo_config(port).replace(
        "unix_listener echo-socket {\n    mode = 0666\n  }",
        "unix_listener echo-socket {\n    mode = 0640\n    user = nobody\n  }")
    r = roost_factory(body).start()
    st = os.stat(r.base_dir / "echo-socket")
    assert st.st_mode & 0o777 == 0o640
    if os.geteuid() == 0:
        assert st.st_uid == nobody.pw_uid


def test_idle_processes_above_min_avail_are_stopped(roost_factory):
    port = free_port()
    r = roost_factory(echo_config(
        port, service_extra="process_min_avail = 1\nclient_limit = 1\nidle_kill = 1 secs")).start()
    wait_for(lambda: len(r.children()) == 1, what="one spare process")
    a = LineClient.tcp(port)
    hello(a)
    b = LineClient.tcp(port)
    hello(b)
    wait_for(lambda: len(r.children()) == 3, what="2 busy + 1 spare")
    a.close()
    b.close()
    # after idle_kill only process_min_avail processes remain
    wait_for(lambda: len(r.children()) == 1, timeout=6, what="idle processes to be stopped")
    c = LineClient.tcp(port)
    hello(c)
    c.close()
