import { randomBytes } from 'node:crypto';

/** Bytes per task id: 128 random bits. */
const ID_BYTES = 16;
/** Ids cut from one CSPRNG draw. */
const IDS_PER_DRAW = 256;

let pool: Buffer = Buffer.alloc(0);
let offset = 0;

/**
 * A new task id: 128 bits from the CSPRNG, base64url without padding (22 characters). The bits
 * come from one `randomBytes` draw per 256 ids, each id its own 16 bytes of it, never handed out
 * twice: a `randomBytes(16)` per task cost about 5 % of a task's lifecycle (issue 14), as Node's
 * own `randomUUID` pools its entropy for the same reason.
 * @internal
 */
export function newTaskId(): string {
  if (offset === pool.length) {
    pool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
