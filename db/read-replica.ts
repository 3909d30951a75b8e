import { AsyncLocalStorage } from "node:async_hooks";
import {
  CompiledQuery,
  PostgresDialect,
  PostgresDriver,
  type DatabaseConnection,
  type Driver,
  type PostgresDialectConfig,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import type pg from "pg";

// Reads may go to a streaming replica (DATABASE_REPLICA_URL), and only where they cannot
// miss a change the reader should see (read-your-writes):
// - only inside a GET or HEAD request whose caller has not written in the last seconds (the
//   web layer decides: allowReplicaReads), and once the request has named its organisation
//   (readingFor, from the signed-in member or the API token);
// - only while the replica has replayed the organisation's current gap data version, which
//   every write the figures read bumps (migration 0005), checked once per request;
// - never inside a transaction, never a statement that may write or lock (anything but a
//   plain SELECT), and nothing after the request has written once.
// A replica that fails a read (down, lagging conflict, a function that writes) hands it to
// the primary. Everything else, the worker included, uses the primary.

interface Routing {
  organizationId?: string;
  wrote: boolean;
  replicaCurrent?: Promise<boolean>;
}

const KEY = Symbol.for("gapmap.readRouting");
const STATS = Symbol.for("gapmap.readRouting.stats");
// One store for the web layer and the Remix server bundle's own copy of this module.
const holder = globalThis as typeof globalThis & {
  [KEY]?: AsyncLocalStorage<Routing>;
  [STATS]?: ReadStats;
};
const storage = (holder[KEY] ??= new AsyncLocalStorage<Routing>());

/** Reads served by each server since the process started; fallbacks: failed on the replica. */
export interface ReadStats {
  replica: number;
  primary: number;
  fallbacks: number;
}
const stats = (holder[STATS] ??= { replica: 0, primary: 0, fallbacks: 0 });

export function readStats(): ReadStats {
  return { ...stats };
}

/** Runs `next` (a GET's handling) with its reads allowed on the replica (see above). */
export function allowReplicaReads<T>(next: () => T): T {
  return storage.run({ wrote: false }, next);
}

/** The request acts in this organisation: its gap data version gates the replica. */
export function readingFor(organizationId: string) {
  const routing = storage.getStore();
  if (routing && routing.organizationId !== organizationId) {
    routing.organizationId = organizationId;
    routing.replicaCurrent = undefined;
  }
}

const LOCKING = /\bfor\s+(update|no\s+key\s+update|share|key\s+share)\b/i;
const WRITING = /\b(insert|update|delete|merge|truncate)\b/i;

/** A statement that only reads: a SELECT, or raw SQL that is one (no data-changing CTE). */
function onlyReads(query: CompiledQuery) {
  const kind = query.query.kind;
  if (kind === "SelectQueryNode") return !LOCKING.test(query.sql);
  if (kind !== "RawNode") return false;
  return (
    /^\s*(select|with)\b/i.test(query.sql) && !LOCKING.test(query.sql) && !WRITING.test(query.sql)
  );
}

// The organisation's data and levels versions (gap-cache.server.ts), summed: each only grows,
// and a replica holds a prefix of the primary's history, so equal sums mean both are current.
const VERSION_SQL = `SELECT coalesce((SELECT version FROM gap_data_versions WHERE organization_id = $1), 0)
  + coalesce((SELECT version FROM gap_level_versions WHERE organization_id = $1 AND scope_id = $1), 0)
  AS version`;

async function gapDataVersion(driver: Driver, organizationId: string) {
  const connection = await driver.acquireConnection();
  try {
    const result = await connection.executeQuery<{ version: string | number }>(
      CompiledQuery.raw(VERSION_SQL, [organizationId]),
    );
    return BigInt(result.rows[0]?.version ?? 0);
  } finally {
    await driver.releaseConnection(connection);
  }
}

/** The replica has replayed the organisation's current gap data version (or is away: no). */
async function replicaIsCurrent(primary: Driver, replica: Driver, organizationId: string) {
  try {
    const [onPrimary, onReplica] = await Promise.all([
      gapDataVersion(primary, organizationId),
      gapDataVersion(replica, organizationId),
    ]);
    return onReplica >= onPrimary;
  } catch {
    return false;
  }
}

/** A connection that holds a primary connection only once it needs one. */
class RoutedConnection implements DatabaseConnection {
  #primary?: DatabaseConnection;
  inTransaction = false;

  constructor(private readonly drivers: { primary: Driver; replica: Driver | null }) {}

  async onPrimary() {
    this.#primary ??= await this.drivers.primary.acquireConnection();
    return this.#primary;
  }

  async release() {
    if (this.#primary) await this.drivers.primary.releaseConnection(this.#primary);
    this.#primary = undefined;
  }

  async #useReplica(query: CompiledQuery) {
    const { primary, replica } = this.drivers;
    const routing = storage.getStore();
    if (!replica || !routing || this.inTransaction) return false;
    if (!onlyReads(query)) {
      routing.wrote = true;
      return false;
    }
    if (routing.wrote || !routing.organizationId) return false;
    routing.replicaCurrent ??= replicaIsCurrent(primary, replica, routing.organizationId);
    return routing.replicaCurrent;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const replica = this.drivers.replica;
    if (replica && (await this.#useReplica(query))) {
      try {
        const connection = await replica.acquireConnection();
        try {
          const result = await connection.executeQuery<R>(query);
          stats.replica += 1;
          return result;
        } finally {
          await replica.releaseConnection(connection);
        }
      } catch {
        stats.fallbacks += 1;
        const routing = storage.getStore();
        if (routing) routing.replicaCurrent = Promise.resolve(false);
      }
    }
    stats.primary += 1;
    return (await this.onPrimary()).executeQuery<R>(query);
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    yield* (await this.onPrimary()).streamQuery<R>(query, chunkSize);
  }
}

class RoutingDriver implements Driver {
  #replica: Driver | null = null;

  constructor(
    private readonly primary: Driver,
    private readonly replicaPool: () => pg.Pool | null,
  ) {}

  async init() {
    await this.primary.init();
    const pool = this.replicaPool();
    if (pool) {
      this.#replica = new PostgresDriver({ pool });
      await this.#replica.init();
    }
  }

  async acquireConnection() {
    return new RoutedConnection({ primary: this.primary, replica: this.#replica });
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    const routed = connection as RoutedConnection;
    await this.primary.beginTransaction(await routed.onPrimary(), settings);
    routed.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection) {
    const routed = connection as RoutedConnection;
    try {
      await this.primary.commitTransaction(await routed.onPrimary());
    } finally {
      routed.inTransaction = false;
    }
  }

  async rollbackTransaction(connection: DatabaseConnection) {
    const routed = connection as RoutedConnection;
    try {
      await this.primary.rollbackTransaction(await routed.onPrimary());
    } finally {
      routed.inTransaction = false;
    }
  }

  async savepoint(...[connection, ...rest]: Parameters<NonNullable<Driver["savepoint"]>>) {
    await this.primary.savepoint!(await (connection as RoutedConnection).onPrimary(), ...rest);
  }

  async rollbackToSavepoint(
    ...[connection, ...rest]: Parameters<NonNullable<Driver["rollbackToSavepoint"]>>
  ) {
    await this.primary.rollbackToSavepoint!(
      await (connection as RoutedConnection).onPrimary(),
      ...rest,
    );
  }

  async releaseSavepoint(
    ...[connection, ...rest]: Parameters<NonNullable<Driver["releaseSavepoint"]>>
  ) {
    await this.primary.releaseSavepoint!(
      await (connection as RoutedConnection).onPrimary(),
      ...rest,
    );
  }

  async releaseConnection(connection: DatabaseConnection) {
    await (connection as RoutedConnection).release();
  }

  async destroy() {
    await Promise.all([this.primary.destroy(), this.#replica?.destroy()]);
  }
}

/** PostgreSQL on the primary, with reads routed to the replica where `replicaPool` gives one. */
export class ReadRoutingDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly replicaPool: () => pg.Pool | null,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new RoutingDriver(super.createDriver(), this.replicaPool);
  }
}
