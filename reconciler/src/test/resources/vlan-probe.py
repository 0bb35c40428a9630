# Sends from a VM namespace's eth0, on 802.1Q VLAN 100, an ICMP echo request to the gateway and a UDP probe with TTL 1
# to another subnet, and prints each ICMP answer from the gateway with the VLAN it came back on ("type=0 vlan=100").
# A raw socket does it: the lab's kernel has no 8021q to make a VLAN interface. Arguments: gateway, far address,
# router MAC (12 hex digits), own address.
import socket, struct, sys, time

gateway, far, router_mac, own = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), sys.argv[4]
ETH_P_ALL, SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 3, 263, 8, 0x10

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ipv4(protocol, ttl, src, dst, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, ttl, protocol, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
s.bind(("eth0", 0))
mac = s.getsockname()[4]
tag = struct.pack("!HH", 0x8100, 100)
echo = struct.pack("!BBHHH", 8, 0, 0, 0x77, 1) + b"weft-vlan"
echo = echo[:2] + struct.pack("!H", checksum(echo)) + echo[4:]
udp = struct.pack("!HHHH", 40000, 33434, 8 + 4, 0) + b"ttl1"
for packet in (ipv4(1, 64, own, gateway, echo), ipv4(17, 1, own, far, udp)):
    s.send(router_mac + mac + tag + struct.pack("!H", 0x0800) + packet)

s.settimeout(0.5)
deadline = time.time() + 3
while time.time() < deadline:
    try:
        data, ancillary, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(20))
    except socket.timeout:
        continue
    vlan = None
    for level, kind, value in ancillary:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 18:
            status, _, _, _, _, tci = struct.unpack("IIIHHH", value[:18])
            if status & TP_STATUS_VLAN_VALID:
                vlan = tci & 0xfff
    if data[12:14] == b"\x81\x00":  # the tag left in the frame
        vlan = struct.unpack("!H", data[14:16])[0] & 0xfff
        data = data[:12] + data[16:]
    if data[12:14] != b"\x08\x00" or data[23] != 1 or socket.inet_ntoa(data[26:30]) != gateway:
        continue
    print("type=%d vlan=%s" % (data[34], vlan), flush=True)
