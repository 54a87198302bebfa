#!/usr/bin/env python3
"""A bad network link in user space, for the bad-network tests
(tests/sync/test_bad_network.cpp): this machine's kernel has no netem qdisc.

Makes two TUN devices, A and B, and carries every IP packet written to one out
of the other, so the packets still cross two real kernel TCP stacks. Each
direction drops a share of the packets and holds the others for a delay plus
a uniform jitter (so packets can overtake each other, as with netem's
jitter); it starts clean. The test moves the devices into the two
namespaces, gives them addresses and limits their rate with the kernel's tbf.

Prints "ready" once both devices exist, then, as things happen:
  syn MS PORT        a TCP SYN from A (a connection attempt or its
                     retransmission), MS since the start, PORT its source port
  down MS            the link went down (down, down-after)
  up MS              the link came back
  stats A2B_PASSED A2B_DROPPED B2A_PASSED B2A_DROPPED    (answer to "stats")
Reads commands on standard input, one per line:
  shape a2b|b2a LOSS DELAY_MS JITTER_MS   how one direction treats packets
                     (LOSS a share from 0 to 1)
  down               go down now: everything is dropped both ways, and A's
                     connection attempts (SYNs) are answered "network
                     unreachable" (ICMP), as A's router does when its own
                     line to the outside is down
  down-after BYTES   go down once BYTES more bytes of TCP payload went from A
                     to B (in the middle of an upload)
  up                 carry packets again
  stats              print the counters
Stops at the end of its input or on SIGTERM.
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def network_unreachable(packet):
    """The ICMP "network unreachable" a router sends back for an IPv4 packet, from its destination."""
    quoted = packet[: (packet[0] & 0x0F) * 4 + 8]
    icmp = struct.pack("!BBHI", 3, 0, 0, 0) + quoted
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0, packet[16:20], packet[12:16])
    return ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + icmp


def tcp_facts(packet):
    """(is a SYN without ACK, source port, payload bytes) of an IPv4 TCP packet, else None."""
    if len(packet) < 20 or packet[0] >> 4 != 4 or packet[9] != 6:
        return None
    header = (packet[0] & 0x0F) * 4
    total = struct.unpack_from("!H", packet, 2)[0]
    if len(packet) < header + 20:
        return None
    port = struct.unpack_from("!H", packet, header)[0]
    flags = packet[header + 13]
    tcp_header = (packet[header + 12] >> 4) * 4
    return (flags & 0x12) == 0x02, port, max(0, total - header - tcp_header)


class Direction:
    def __init__(self):
        self.loss = 0.0
        self.delay_ms = 0
        self.jitter_ms = 0
        self.passed = 0
        self.dropped = 0


class Link:
    def __init__(self, args):
        self.directions = {"a2b": Direction(), "b2a": Direction()}
        self.a = open_tun(args.a)
        self.b = open_tun(args.b)
        self.started = time.monotonic()
        self.up = True
        self.down_after = None  # bytes of A-to-B payload still to pass before going down
        self.queue = []  # (due, sequence, fd to write to, packet)
        self.sequence = 0

    def ms(self):
        return int((time.monotonic() - self.started) * 1000)

    def say(self, line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def carry(self, packet, from_a):
        direction = self.directions["a2b" if from_a else "b2a"]
        if from_a:
            facts = tcp_facts(packet)
            if facts and facts[0]:
                self.say("syn %d %d" % (self.ms(), facts[1]))
            if facts and self.up and self.down_after is not None:
                self.down_after -= facts[2]
                if self.down_after <= 0:
                    self.go_down()
            if facts and facts[0] and not self.up:
                os.write(self.a, network_unreachable(packet))
        if not self.up or random.random() < direction.loss:
            direction.dropped += 1
            return
        direction.passed += 1
        jitter = random.uniform(-direction.jitter_ms, direction.jitter_ms)
        hold = max(0.0, direction.delay_ms + jitter) / 1000.0
        self.sequence += 1
        heapq.heappush(self.queue, (time.monotonic() + hold, self.sequence, self.b if from_a else self.a, packet))

    def go_down(self):
        self.down_after = None
        self.up = False
        self.say("down %d" % self.ms())

    def command(self, line):
        words = line.split()
        if not words:
            return
        if words[0] == "shape":
            direction = self.directions[words[1]]
            direction.loss = float(words[2])
            direction.delay_ms = int(words[3])
            direction.jitter_ms = int(words[4])
        elif words[0] == "down":
            self.go_down()
        elif words[0] == "down-after":
            self.down_after = int(words[1])
        elif words[0] == "up":
            self.up = True
            self.say("up %d" % self.ms())
        elif words[0] == "stats":
            a2b, b2a = self.directions["a2b"], self.directions["b2a"]
            self.say("stats %d %d %d %d" % (a2b.passed, a2b.dropped, b2a.passed, b2a.dropped))
        else:
            self.say("unknown command: " + line.strip())

    def run(self):
        self.say("ready")
        stdin = sys.stdin.fileno()
        pending_input = b""
        while True:
            now = time.monotonic()
            while self.queue and self.queue[0][0] <= now:
                _, _, fd, packet = heapq.heappop(self.queue)
                try:
                    os.write(fd, packet)
                except OSError:
                    pass  # the device is down in its namespace: the packet is lost
            timeout = max(0.0, self.queue[0][0] - now) if self.queue else None
            readable, _, _ = select.select([self.a, self.b, stdin], [], [], timeout)
            for fd in readable:
                if fd == stdin:
                    chunk = os.read(stdin, 4096)
                    if not chunk:
                        return
                    pending_input += chunk
                    while b"\n" in pending_input:
                        line, pending_input = pending_input.split(b"\n", 1)
                        self.command(line.decode())
                    continue
                while True:
                    try:
                        packet = os.read(fd, 65536)
                    except BlockingIOError:
                        break
                    self.carry(packet, fd == self.a)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="the name of device A (the terminal's side)")
    parser.add_argument("--b", required=True, help="the name of device B (head office's side)")
    Link(parser.parse_args()).run()


if __name__ == "__main__":
    main()
