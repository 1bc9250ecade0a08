"""A private MariaDB server for the SQL auth tests: `mariadb-install-db`
into a temporary datadir, `mariadbd` as the mysql user on a unix socket in
that directory and on a free loopback port, a database and users table
like the seed documents' (virtual_users with SHA512-CRYPT passwords), and
stop/start so tests can take the database away and bring it back.

The packages come from tests/run-all.sh (mariadb-server, mariadb-client,
installed without starting Debian's own daemon)."""
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import free_port, wait_for

DB_NAME = "mailserver"
DB_USER = "mailuser"
DB_PASSWORD = "mail pass'word"  # quoting in the connect string and SQL


def sql_quote(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class MariaDB:
    def __init__(self, root):
        self.root = root
        self.datadir = root / "data"
        self.socket = root / "mysqld.sock"
        self.port = free_port()
        self.log = root / "mariadbd.log"
        self.proc = None

    def install(self):
        mysql = pwd.getpwnam("mysql")
        self.datadir.mkdir()
        os.chown(self.root, mysql.pw_uid, mysql.pw_gid)
        os.chown(self.datadir, mysql.pw_uid, mysql.pw_gid)
        p = subprocess.run(["mariadb-install-db", "--no-defaults", "--user=mysql",
                            f"--datadir={self.datadir}", "--skip-test-db",
                            "--auth-root-authentication-method=socket"],
                           capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, p.stdout + p.stderr

    def start(self):
        assert self.proc is None or self.proc.poll() is not None
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--user=mysql", f"--datadir={self.datadir}",
             f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
             f"--pid-file={self.root / 'mariadbd.pid'}", f"--log-error={self.log}",
             "--skip-log-bin", "--innodb-buffer-pool-size=16M", "--performance-schema=0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.ping() or self.proc.poll() is not None, timeout=60,
                 interval=0.1, what="mariadbd to accept connections")
        assert self.proc.poll() is None, self.log.read_text()

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
        except OSError:
            return False
        return self.socket.exists()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def sql(self, statements, database=None):
        """Runs statements as the server's root (unix socket auth)."""
        cmd = ["mariadb", "--no-defaults", f"--socket={self.socket}", "-u", "root",
               "--batch", "--skip-column-names"]
        if database:
            cmd.append(database)
        p = subprocess.run(cmd, input=statements, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout

    def connect_string(self, tcp=True):
        host = "127.0.0.1" if tcp else str(self.socket)
        port = f" port={self.port}" if tcp else ""
        return (f"host={host}{port} dbname={DB_NAME} user={DB_USER} "
                f"password=\"{DB_PASSWORD}\"")


SCHEMA = f"""
CREATE DATABASE {DB_NAME};
CREATE USER '{DB_USER}'@'localhost' IDENTIFIED BY {sql_quote(DB_PASSWORD)};
CREATE USER '{DB_USER}'@'127.0.0.1' IDENTIFIED BY {sql_quote(DB_PASSWORD)};
GRANT SELECT ON {DB_NAME}.* TO '{DB_USER}'@'localhost';
GRANT SELECT ON {DB_NAME}.* TO '{DB_USER}'@'127.0.0.1';
USE {DB_NAME};
CREATE TABLE virtual_domains (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50) NOT NULL
);
CREATE TABLE virtual_users (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  domain_id INT NOT NULL,
  email VARCHAR(100) NOT NULL,
  password VARCHAR(150) NOT NULL,
  uid INT NULL,
  gid INT NULL,
  home VARCHAR(200) NULL,
  quota_rule VARCHAR(100) NULL,
  UNIQUE KEY email (email)
);
"""


@pytest.fixture(scope="session")
def mariadb():
    """One server for the whole session, stopped at the end."""
    if os.geteuid() != 0:
        pytest.fail("the SQL tests run as root (mariadbd runs as the mysql user)")
    for prog in ("mariadbd", "mariadb-install-db", "mariadb"):
        if shutil.which(prog) is None and not os.path.exists(f"/usr/sbin/{prog}"):
            pytest.fail(f"{prog} is missing: install mariadb-server and mariadb-client "
                        "(tests/run-all.sh does)")
    root = pathlib.Path(tempfile.mkdtemp(prefix="roost-mariadb-"))
    os.chmod(root, 0o755)
    db = MariaDB(root)
    try:
        db.install()
        db.start()
        db.sql(SCHEMA)
        yield db
    finally:
        db.stop()
        shutil.rmtree(root, ignore_errors=True)
