"""bench/traffic's UDP segmentation-offload sender: for SECONDS, sends to ADDRESS:5301 as a QUIC server does, each send
(UDP_SEGMENT) 44 datagrams of 1,200 bytes that the sending VM's stack hands to its device as one frame where the device
takes USO, and cuts itself where it doesn't. usage: python3 bench/udp-segment.py ADDRESS SECONDS"""
import socket
import sys
import time

UDP_SEGMENT = 103
address, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, 1200)
chunk = bytes(1200 * 44)
end = time.monotonic() + seconds
while time.monotonic() < end:
    for _ in range(16):
        try:
            s.sendto(chunk, (address, 5301))
        except OSError:  # ENOBUFS: the device's queue is full
            pass
