import { createSocket, type Socket } from 'node:dgram';

/**
 * A stand-in DNS server on loopback UDP (DNS servers are outside the product), so the real c-ares resolver can
 * be tested without sending a query off the machine. It answers A queries for the names in its zone (with the
 * TTL given; AAAA: no data), NXDOMAIN for any other name, and never answers names ending in `.hang.test`.
 */
export class FakeDnsServer {
  private socket!: Socket;
  /** Queries received, by name. */
  readonly queries = new Map<string, number>();
  readonly zone = new Map<string, { address: string; ttl: number }>();

  async start(): Promise<this> {
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg, rinfo) => {
      const answer = this.answer(msg);
      if (answer) this.socket.send(answer, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    return this;
  }

  get server(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  count(name: string): number {
    return this.queries.get(name) ?? 0;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }

  private answer(msg: Buffer): Buffer | undefined {
    // Header (12 bytes), then the question: labels, a zero byte, QTYPE, QCLASS.
    const labels: string[] = [];
    let at = 12;
    while (msg[at] !== 0) {
      labels.push(msg.subarray(at + 1, at + 1 + msg[at]).toString('ascii'));
      at += msg[at] + 1;
    }
    const questionEnd = at + 5;
    const qtype = msg.readUInt16BE(at + 1);
    const name = labels.join('.').toLowerCase();
    this.queries.set(name, (this.queries.get(name) ?? 0) + 1);
    if (name.endsWith('.hang.test')) return undefined;
    const entry = this.zone.get(name);
    const rdata = qtype === 1 && entry ? Buffer.from(entry.address.split('.').map(Number)) : undefined;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8180 | (entry ? 0 : 3), 2); // response, recursion available; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(rdata ? 1 : 0, 6);
    const parts = [header, msg.subarray(12, questionEnd)];
    if (rdata) {
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(entry!.ttl, 6);
      rr.writeUInt16BE(rdata.length, 10);
      parts.push(rr, rdata);
    }
    return Buffer.concat(parts);
  }
}
