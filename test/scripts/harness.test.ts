import { describe, expect, it, afterAll } from "vitest";
import pg from "pg";
import { createTestDatabase } from "../support/postgres.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { Redis } from "ioredis";

describe("test harness", () => {
  it("gives each caller a fresh PostgreSQL database", async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    expect(a).not.toEqual(b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    await client.end();
    expect(Number(rows[0]?.v)).toBeGreaterThanOrEqual(140000);
  });

  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());
  it.skipIf(!redisAvailable())("starts a Redis that answers", async () => {
    redis = await startRedis();
    const client = new Redis(redis.url);
    expect(await client.ping()).toBe("PONG");
    client.disconnect();
  });
});
