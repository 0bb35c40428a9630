#!/usr/bin/env python3
"""Writes a large manifest repository for benchmarks and commits it with git.

usage: gen-repo.py DIR [--hosts 1000] [--networks 500] [--nics 100000]

main holds the hosts (25 per rack file) and, per tenant (5 networks each), one file per virtual
network with the network and its NICs; branch `pr` adds one NIC to one network, like a pull request.
"""
import argparse, os, subprocess

def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--hosts", type=int, default=1000)
    p.add_argument("--networks", type=int, default=500)
    p.add_argument("--nics", type=int, default=100000)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=False)
    per_net = a.nics // a.networks

    def host_ip(h):
        return f"198.18.{h // 250}.{h % 250 + 1}"

    for rack in range((a.hosts + 24) // 25):
        docs = []
        for h in range(rack * 25, min(a.hosts, rack * 25 + 25)):
            docs.append(f"apiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata:\n  name: host-{h:04d}\n  labels: {{rack: r{rack:02d}}}\n"
                        f"spec:\n  underlayAddress: {host_ip(h)}\n")
        os.makedirs(f"{a.dir}/hosts", exist_ok=True)
        with open(f"{a.dir}/hosts/rack-{rack:02d}.yaml", "w") as f:
            f.write("---\n".join(docs))

    nic_index = 0
    for n in range(a.networks):
        tenant, local = n // 5, n % 5
        ns = f"tenant-{tenant:03d}"
        docs = [f"apiVersion: weft.dev/v1alpha1\nkind: VirtualNetwork\nmetadata:\n  name: net-{local}\n  namespace: {ns}\n"
                f"spec:\n  vni: {10000 + n}\n  addressSpace: [10.{local}.0.0/16]\n  subnets:\n"
                f"    - name: web\n      addressPrefix: 10.{local}.0.0/22\n    - name: db\n      addressPrefix: 10.{local}.4.0/22\n"]
        for j in range(per_net):
            docs.append(nic(ns, local, j, (n * 7 + j * 13) % a.hosts, nic_index))
            nic_index += 1
        os.makedirs(f"{a.dir}/tenants/{ns}", exist_ok=True)
        with open(f"{a.dir}/tenants/{ns}/net-{local}.yaml", "w") as f:
            f.write("---\n".join(docs))

    git = ["git", "-C", a.dir, "-c", "user.name=bench", "-c", "user.email=bench@weft.dev"]
    subprocess.run(["git", "init", "-q", "-b", "main", a.dir], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "generated"], check=True)
    subprocess.run(git + ["checkout", "-qb", "pr"], check=True)
    with open(f"{a.dir}/tenants/tenant-000/net-0.yaml", "a") as f:
        f.write("---\n" + nic("tenant-000", 0, per_net, 999 % a.hosts, nic_index))
    subprocess.run(git + ["commit", "-qam", "add one NIC"], check=True)
    subprocess.run(git + ["checkout", "-q", "main"], check=True)

def nic(ns, local, j, host, index):
    subnet, offset = ("web", 0) if j % 2 == 0 else ("db", 4)
    k = j // 2 + 2
    ip = f"10.{local}.{offset + k // 256}.{k % 256}"
    mac = "02:%02x:%02x:%02x:%02x:%02x" % ((index >> 32) & 0xff, (index >> 24) & 0xff, (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff)
    return (f"apiVersion: weft.dev/v1alpha1\nkind: NetworkInterface\nmetadata: {{name: nic-{local}-{j:04d}, namespace: {ns}}}\n"
            f"spec:\n  virtualNetwork: net-{local}\n  subnet: {subnet}\n  host: host-{host:04d}\n"
            f"  macAddress: \"{mac}\"\n  ipAddress: {ip}\n")

if __name__ == "__main__":
    main()
