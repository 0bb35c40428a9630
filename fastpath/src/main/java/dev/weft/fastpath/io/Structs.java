package dev.weft.fastpath.io;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.structLayout;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Linux (x86-64) structs Weft's packet I/O passes to system calls, as {@link MemoryLayout}s with
 * named {@link VarHandle}s: {@code iovec}, {@code msghdr}/{@code mmsghdr}, {@code sockaddr_in},
 * {@code cmsghdr}, {@code epoll_event} and {@code ifreq}. Arrays of them are addressed by index.
 */
final class Structs {

    private Structs() {
    }

    static final StructLayout IOVEC = structLayout(ValueLayout.ADDRESS.withName("iov_base"), ValueLayout.JAVA_LONG.withName("iov_len"));
    private static final VarHandle IOV_LEN = IOVEC.varHandle(groupElement("iov_len"));

    static final StructLayout MMSGHDR = structLayout(
            structLayout(
                    ValueLayout.ADDRESS.withName("msg_name"),
                    ValueLayout.JAVA_INT.withName("msg_namelen"), paddingLayout(4),
                    ValueLayout.ADDRESS.withName("msg_iov"),
                    ValueLayout.JAVA_LONG.withName("msg_iovlen"),
                    ValueLayout.ADDRESS.withName("msg_control"),
                    ValueLayout.JAVA_LONG.withName("msg_controllen"),
                    ValueLayout.JAVA_INT.withName("msg_flags"), paddingLayout(4)).withName("msg_hdr"),
            ValueLayout.JAVA_INT.withName("msg_len"), paddingLayout(4));
    private static final VarHandle MSG_NAME = MMSGHDR.varHandle(groupElement("msg_hdr"), groupElement("msg_name"));
    private static final VarHandle MSG_NAMELEN = MMSGHDR.varHandle(groupElement("msg_hdr"), groupElement("msg_namelen"));
    private static final VarHandle MSG_IOV = MMSGHDR.varHandle(groupElement("msg_hdr"), groupElement("msg_iov"));
    private static final VarHandle MSG_IOVLEN = MMSGHDR.varHandle(groupElement("msg_hdr"), groupElement("msg_iovlen"));
    private static final VarHandle MSG_CONTROL = MMSGHDR.varHandle(groupElement("msg_hdr"), groupElement("msg_control"));
    private static final VarHandle MSG_CONTROLLEN = MMSGHDR.varHandle(groupElement("msg_hdr"), groupElement("msg_controllen"));
    private static final VarHandle MSG_FLAGS = MMSGHDR.varHandle(groupElement("msg_hdr"), groupElement("msg_flags"));
    private static final VarHandle MSG_LEN = MMSGHDR.varHandle(groupElement("msg_len"));

    static final StructLayout SOCKADDR_IN = structLayout(
            ValueLayout.JAVA_SHORT.withName("sin_family"),
            ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withName("sin_port"),
            ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN).withName("sin_addr"),
            paddingLayout(8));
    private static final VarHandle SIN_FAMILY = SOCKADDR_IN.varHandle(groupElement("sin_family"));
    private static final VarHandle SIN_PORT = SOCKADDR_IN.varHandle(groupElement("sin_port"));
    private static final VarHandle SIN_ADDR = SOCKADDR_IN.varHandle(groupElement("sin_addr"));

    /** A control message header followed by room for an int of data, as {@code CMSG_SPACE(sizeof(int))}. */
    static final StructLayout CMSG = structLayout(
            ValueLayout.JAVA_LONG.withName("cmsg_len"),
            ValueLayout.JAVA_INT.withName("cmsg_level"),
            ValueLayout.JAVA_INT.withName("cmsg_type"),
            ValueLayout.JAVA_INT.withName("data"), paddingLayout(4));
    /** {@code CMSG_LEN(n)}: the header and n bytes of data. */
    static final long CMSG_HEADER = CMSG.byteOffset(groupElement("data"));
    private static final VarHandle CMSG_LEN = CMSG.varHandle(groupElement("cmsg_len"));
    private static final VarHandle CMSG_LEVEL = CMSG.varHandle(groupElement("cmsg_level"));
    private static final VarHandle CMSG_TYPE = CMSG.varHandle(groupElement("cmsg_type"));
    private static final VarHandle CMSG_INT = CMSG.varHandle(groupElement("data"));
    private static final VarHandle CMSG_SHORT = structLayout(paddingLayout(CMSG_HEADER), ValueLayout.JAVA_SHORT.withName("data"), paddingLayout(6))
            .varHandle(groupElement("data"));

    /** {@code struct epoll_event} is packed on x86-64: a 32-bit event mask, then 64 bits of user data (the fd here). */
    static final StructLayout EPOLL_EVENT = structLayout(
            ValueLayout.JAVA_INT.withName("events"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("fd"),
            ValueLayout.JAVA_INT_UNALIGNED.withName("pad")).withByteAlignment(4);
    private static final VarHandle EVENT_EVENTS = EPOLL_EVENT.varHandle(groupElement("events"));
    private static final VarHandle EVENT_FD = EPOLL_EVENT.varHandle(groupElement("fd"));

    /** {@code struct ifreq} as TUNSETIFF uses it: the interface name and the flags. */
    static final StructLayout IFREQ = structLayout(
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("ifr_name"),
            ValueLayout.JAVA_SHORT.withName("ifr_flags"), paddingLayout(22));
    static final long IFR_NAME = IFREQ.byteOffset(groupElement("ifr_name"));
    private static final VarHandle IFR_FLAGS = IFREQ.varHandle(groupElement("ifr_flags"));

    /** {@code struct tpacket_req}: the geometry of a packet socket's RX or TX ring. */
    static final StructLayout TPACKET_REQ = structLayout(
            ValueLayout.JAVA_INT.withName("tp_block_size"), ValueLayout.JAVA_INT.withName("tp_block_nr"),
            ValueLayout.JAVA_INT.withName("tp_frame_size"), ValueLayout.JAVA_INT.withName("tp_frame_nr"));

    static void tpacketReq(MemorySegment req, int blockSize, int blocks, int frameSize, int frames) {
        req.set(ValueLayout.JAVA_INT, TPACKET_REQ.byteOffset(groupElement("tp_block_size")), blockSize);
        req.set(ValueLayout.JAVA_INT, TPACKET_REQ.byteOffset(groupElement("tp_block_nr")), blocks);
        req.set(ValueLayout.JAVA_INT, TPACKET_REQ.byteOffset(groupElement("tp_frame_size")), frameSize);
        req.set(ValueLayout.JAVA_INT, TPACKET_REQ.byteOffset(groupElement("tp_frame_nr")), frames);
    }

    /** {@code struct tpacket2_hdr}: the head of every frame of a TPACKET_V2 ring. */
    static final StructLayout TPACKET2_HDR = structLayout(
            ValueLayout.JAVA_INT.withName("tp_status"), ValueLayout.JAVA_INT.withName("tp_len"), ValueLayout.JAVA_INT.withName("tp_snaplen"),
            ValueLayout.JAVA_SHORT.withName("tp_mac"), ValueLayout.JAVA_SHORT.withName("tp_net"),
            ValueLayout.JAVA_INT.withName("tp_sec"), ValueLayout.JAVA_INT.withName("tp_nsec"),
            ValueLayout.JAVA_SHORT.withName("tp_vlan_tci"), ValueLayout.JAVA_SHORT.withName("tp_vlan_tpid"), paddingLayout(4));
    /** A frame's status, read with acquire and written with release: it hands the frame between the kernel and us. */
    static final VarHandle TP_STATUS = TPACKET2_HDR.varHandle(groupElement("tp_status"));
    static final long TP_LEN = TPACKET2_HDR.byteOffset(groupElement("tp_len"));
    static final long TP_SNAPLEN = TPACKET2_HDR.byteOffset(groupElement("tp_snaplen"));
    static final long TP_MAC = TPACKET2_HDR.byteOffset(groupElement("tp_mac"));
    /** Where a TX frame's data starts without PACKET_TX_HAS_OFF: TPACKET2_HDRLEN less {@code sizeof(struct sockaddr_ll)}. */
    static final long TX_DATA = TPACKET2_HDR.byteSize();

    /** {@code struct sockaddr_ll}: binds a packet socket to one interface. */
    static final StructLayout SOCKADDR_LL = structLayout(
            ValueLayout.JAVA_SHORT.withName("sll_family"), ValueLayout.JAVA_SHORT.withName("sll_protocol"),
            ValueLayout.JAVA_INT.withName("sll_ifindex"), ValueLayout.JAVA_SHORT.withName("sll_hatype"),
            ValueLayout.JAVA_BYTE.withName("sll_pkttype"), ValueLayout.JAVA_BYTE.withName("sll_halen"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sll_addr"));

    /** A packet socket address on interface {@code ifindex} for EtherType {@code protocol} (host order). */
    static void sockaddrLl(MemorySegment address, int protocol, int ifindex) {
        address.fill((byte) 0);
        address.set(ValueLayout.JAVA_SHORT, SOCKADDR_LL.byteOffset(groupElement("sll_family")), (short) 17); // AF_PACKET
        address.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), SOCKADDR_LL.byteOffset(groupElement("sll_protocol")),
                (short) protocol);
        address.set(ValueLayout.JAVA_INT, SOCKADDR_LL.byteOffset(groupElement("sll_ifindex")), ifindex);
    }

    /** Where {@code SIOCGIFHWADDR} puts the MAC in a {@code struct ifreq}: after the name and the address family. */
    static final long IFR_HWADDR = 18;

    private static long at(StructLayout layout, int index) {
        return index * layout.byteSize();
    }

    /** Sets iovec {@code index} to the first {@code length} bytes of {@code base}. */
    static void iovec(MemorySegment array, int index, MemorySegment base, long length) {
        iovec(array, index, base, 0, length);
    }

    private static final long IOV_BASE_AT = IOVEC.byteOffset(groupElement("iov_base"));
    private static final long MSG_NAME_AT = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_name"));
    private static final long MSG_IOV_AT = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iov"));
    private static final long MSG_CONTROL_AT = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_control"));

    /** Sets iovec {@code index} to {@code length} bytes at {@code memory[at]}, as raw addresses: no slice made per frame. */
    static void iovec(MemorySegment array, int index, MemorySegment memory, long at, long length) {
        array.set(ValueLayout.JAVA_LONG, at(IOVEC, index) + IOV_BASE_AT, memory.address() + at);
        IOV_LEN.set(array, at(IOVEC, index), length);
    }

    /**
     * Sets up message {@code index} of {@code array} from elements of arrays, as raw addresses (no slice made per message):
     * address {@code name} of {@code names}, iovecs {@code [firstIovec, firstIovec + iovCount)} of {@code iovecs}, control
     * message {@code control} of {@code controls} (-1: none).
     */
    static void message(MemorySegment array, int index, MemorySegment names, int name, MemorySegment iovecs, int firstIovec, long iovCount,
                        MemorySegment controls, int control) {
        long at = at(MMSGHDR, index);
        array.set(ValueLayout.JAVA_LONG, at + MSG_NAME_AT, names.address() + at(SOCKADDR_IN, name));
        MSG_NAMELEN.set(array, at, (int) SOCKADDR_IN.byteSize());
        array.set(ValueLayout.JAVA_LONG, at + MSG_IOV_AT, iovecs.address() + at(IOVEC, firstIovec));
        MSG_IOVLEN.set(array, at, iovCount);
        array.set(ValueLayout.JAVA_LONG, at + MSG_CONTROL_AT, control < 0 ? 0 : controls.address() + at(CMSG, control));
        MSG_CONTROLLEN.set(array, at, control < 0 ? 0L : CMSG.byteSize());
        MSG_FLAGS.set(array, at, 0);
    }

    /** Sets up message {@code index}: where the sender's address goes, its iovecs and its control buffer (may be NULL). */
    static void message(MemorySegment array, int index, MemorySegment name, MemorySegment iov, long iovCount,
                        MemorySegment control) {
        long at = at(MMSGHDR, index);
        MSG_NAME.set(array, at, name);
        MSG_NAMELEN.set(array, at, name.equals(MemorySegment.NULL) ? 0 : (int) SOCKADDR_IN.byteSize());
        MSG_IOV.set(array, at, iov);
        MSG_IOVLEN.set(array, at, iovCount);
        MSG_CONTROL.set(array, at, control);
        MSG_CONTROLLEN.set(array, at, control.equals(MemorySegment.NULL) ? 0L : control.byteSize());
        MSG_FLAGS.set(array, at, 0);
    }

    /** Before a receive: the kernel shrinks {@code msg_namelen} and {@code msg_controllen} to what it wrote. */
    static void resetLengths(MemorySegment array, int index, long controlRoom) {
        long at = at(MMSGHDR, index);
        MSG_NAMELEN.set(array, at, (int) SOCKADDR_IN.byteSize());
        MSG_CONTROLLEN.set(array, at, controlRoom);
    }

    /** Bytes received or sent by message {@code index}. */
    static int messageLength(MemorySegment array, int index) {
        return (int) MSG_LEN.get(array, at(MMSGHDR, index));
    }

    static long controlLength(MemorySegment array, int index) {
        return (long) MSG_CONTROLLEN.get(array, at(MMSGHDR, index));
    }

    static void sockaddr(MemorySegment array, int index, int address, int port) {
        long at = at(SOCKADDR_IN, index);
        array.asSlice(at, SOCKADDR_IN.byteSize()).fill((byte) 0);
        SIN_FAMILY.set(array, at, (short) Native.AF_INET);
        SIN_PORT.set(array, at, (short) port);
        SIN_ADDR.set(array, at, address);
    }

    static int sockaddrAddress(MemorySegment array, int index) {
        return (int) SIN_ADDR.get(array, at(SOCKADDR_IN, index));
    }

    /** Writes a control message with a 16-bit value (e.g. {@code UDP_SEGMENT}'s segment size). */
    static void controlShort(MemorySegment array, int index, int level, int type, short value) {
        long at = at(CMSG, index);
        CMSG_LEN.set(array, at, CMSG_HEADER + 2);
        CMSG_LEVEL.set(array, at, level);
        CMSG_TYPE.set(array, at, type);
        CMSG_SHORT.set(array, at, value);
    }

    /** The int value of control message {@code index} when it is ({@code level}, {@code type}), else {@code otherwise}. */
    static int controlInt(MemorySegment array, int index, int level, int type, int otherwise) {
        long at = at(CMSG, index);
        return (int) CMSG_LEVEL.get(array, at) == level && (int) CMSG_TYPE.get(array, at) == type ? (int) CMSG_INT.get(array, at) : otherwise;
    }

    static void epollEvent(MemorySegment array, int index, int events, int fd) {
        EVENT_EVENTS.set(array, at(EPOLL_EVENT, index), events);
        EVENT_FD.set(array, at(EPOLL_EVENT, index), fd);
    }

    static int epollFd(MemorySegment array, int index) {
        return (int) EVENT_FD.get(array, at(EPOLL_EVENT, index));
    }

    static void ifreqFlags(MemorySegment ifreq, short flags) {
        IFR_FLAGS.set(ifreq, 0L, flags);
    }

    static short ifreqFlags(MemorySegment ifreq) {
        return (short) IFR_FLAGS.get(ifreq, 0L);
    }
}
