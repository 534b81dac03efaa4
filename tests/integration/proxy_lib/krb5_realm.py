"""The configuration of an MIT Kerberos realm made per run on loopback
(README "Identity"): krb5.conf for clients and kdc.conf for krb5kdc and the
kadmin.local/kdb5_util tools, in a directory of the caller's, and the
environment that points the MIT tools and libraries at them.

Used by tests/integration/auth_kerberos.py and bench/compare_auth.sh:
    python3 tests/integration/proxy_lib/krb5_realm.py DIR REALM PORT
writes the files and prints the environment as NAME=VALUE lines."""
import os
import sys


def write_realm_config(d, realm, port):
    """Writes d/krb5.conf, d/kdc.conf and an empty d/kadm5.acl; returns the env."""
    env = {"KRB5_CONFIG": os.path.join(d, "krb5.conf"), "KRB5_KDC_PROFILE": os.path.join(d, "kdc.conf"),
           "KRB5CCNAME": "FILE:" + os.path.join(d, "ccache"),
           "KRB5RCACHEDIR": d, "KRB5RCACHENAME": "file2:" + os.path.join(d, "rcache")}
    with open(env["KRB5_CONFIG"], "w") as f:
        f.write("""[libdefaults]
 default_realm = {r}
 dns_lookup_kdc = false
 dns_lookup_realm = false
 rdns = false
 dns_canonicalize_hostname = false
 udp_preference_limit = 1
[realms]
 {r} = {{
  kdc = 127.0.0.1:{p}
 }}
[domain_realm]
 localhost = {r}
""".format(r=realm, p=port))
    with open(env["KRB5_KDC_PROFILE"], "w") as f:
        f.write("""[kdcdefaults]
 kdc_ports = {p}
 kdc_tcp_ports = {p}
[realms]
 {r} = {{
  database_name = {d}/principal
  key_stash_file = {d}/stash
  acl_file = {d}/kadm5.acl
  kdc_ports = {p}
  kdc_tcp_ports = {p}
 }}
[logging]
 kdc = FILE:{d}/kdc.log
""".format(r=realm, p=port, d=d))
    open(os.path.join(d, "kadm5.acl"), "w").close()
    return env


if __name__ == "__main__":
    for name, value in write_realm_config(sys.argv[1], sys.argv[2], int(sys.argv[3])).items():
        print("%s=%s" % (name, value))
