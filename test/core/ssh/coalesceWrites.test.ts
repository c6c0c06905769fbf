/**
 * The forwarded channel gets the writes of one event-loop turn as one write (one SSH data message): TLS writes a
 * flight as several records, and sent apart they made sshd write them to the database apart, the second waiting
 * for the server's delayed ACK (~40 ms per connect over a tunnel, bench "ssh").
 */
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import { coalesceWrites } from '../../../src/core/mysql/session';

/** A channel stand-in that records each write it is given (as ssh2's Channel, it has _write but no _writev). */
function recordingChannel(): { channel: Duplex; writes: string[] } {
  const writes: string[] = [];
  const channel = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, cb) {
      writes.push(chunk.toString());
      cb();
    },
  });
  return { channel, writes };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('writes to an SSH channel', () => {
  it('the writes of one turn leave as one, in order, and every callback runs', async () => {
    const { channel, writes } = recordingChannel();
    coalesceWrites(channel);
    const done: string[] = [];
    channel.write(Buffer.from('finished|'), () => done.push('1'));
    channel.write(Buffer.from('data|'), () => done.push('2'));
    process.nextTick(() => channel.write(Buffer.from('more'), () => done.push('3')));
    await turn();
    await turn();
    assert.deepEqual(writes, ['finished|data|more']);
    assert.deepEqual(done.sort(), ['1', '2', '3']);
  });

  it('a later turn is its own write', async () => {
    const { channel, writes } = recordingChannel();
    coalesceWrites(channel);
    channel.write(Buffer.from('a'));
    await turn();
    await turn();
    channel.write(Buffer.from('b'));
    await turn();
    await turn();
    assert.deepEqual(writes, ['a', 'b']);
  });

  it('without it, each write is its own (what the test above guards against)', async () => {
    const { channel, writes } = recordingChannel();
    channel.write(Buffer.from('finished|'));
    channel.write(Buffer.from('data|'));
    await turn();
    assert.deepEqual(writes, ['finished|', 'data|']);
  });
});
