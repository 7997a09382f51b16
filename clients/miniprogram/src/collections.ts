/**
 * Documents of a collection: `add`, `doc(id)` with `get`, `update`, `replace`, `remove`, and
 * queries built with `where`, `orderBy`, `limit`, `skip`, `fields`, `after`, run by `get` or
 * `count`. A query is immutable: each step returns a new one.
 */
import type { components } from './schema';

export type Document = components['schemas']['Document'];
export type Where = components['schemas']['Where'];
export type Patch = components['schemas']['Patch'];
export type DocumentPage = components['schemas']['DocumentPage'];
export type Count = components['schemas']['Count'];
type QueryBody = components['schemas']['Query'];
type Direction = NonNullable<QueryBody['orderBy']>[number][1];

/** Sends a call to a path under the collection with the caller's session. */
export type Send = <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<T>;

/** One document, by `_id`. */
export class DocumentRef<T extends object = Record<string, unknown>> {
  constructor(
    private readonly send: Send,
    private readonly path: string,
  ) {}

  /** The document. */
  get(): Promise<Document & T> {
    return this.send('GET', this.path);
  }

  /**
   * Sets, unsets and increments fields by dot path: `{set: {done: true}}`. Sent as `POST`
   * to the document, the server's alias of `PATCH` (which `wx.request` cannot send).
   */
  update(patch: Patch): Promise<Document & T> {
    return this.send('POST', this.path, patch);
  }

  /** Replaces the body (`_id`, `_openid` and `_createdAt` stay). */
  replace(body: T): Promise<Document & T> {
    return this.send('PUT', this.path, body);
  }

  /** Deletes it. */
  remove(): Promise<null> {
    return this.send('DELETE', this.path);
  }
}

/** A query over a collection; `get` runs it, `count` counts what it matches. */
export class Query<T extends object = Record<string, unknown>> {
  constructor(
    protected readonly send: Send,
    protected readonly base: string,
    private readonly body: QueryBody = {},
  ) {}

  private with(change: QueryBody): Query<T> {
    return new Query<T>(this.send, this.base, Object.assign({}, this.body, change));
  }

  /** Conditions that must all hold (combined with any given before). */
  where(conditions: Where): Query<T> {
    const where = this.body.where ? { and: [this.body.where, conditions] } : conditions;
    return this.with({ where });
  }

  /** Sorts by `field` (up to 4 fields; `_id` breaks ties). */
  orderBy(field: string, direction: Direction = 'asc'): Query<T> {
    const orderBy: [string, Direction][] = (this.body.orderBy || []).concat([[field, direction]]);
    return this.with({ orderBy });
  }

  /** At most `count` documents (1 to 100; 20 by default). */
  limit(count: number): Query<T> {
    return this.with({ limit: count });
  }

  /** Skips `count` documents (at most 10,000; prefer `after`). */
  skip(count: number): Query<T> {
    return this.with({ skip: count });
  }

  /** Only these fields (`_id` always comes back). */
  fields(names: string[]): Query<T> {
    return this.with({ fields: names });
  }

  /** The page after the one that returned `cursor`. */
  after(cursor: string): Query<T> {
    return this.with({ cursor });
  }

  /** One page: `{docs, cursor}`; `cursor` is `null` on the last page. */
  get(): Promise<{ docs: (Document & T)[]; cursor?: string | null }> {
    return this.send('POST', `${this.base}/query`, this.body);
  }

  /** How many documents match: `{total}`. */
  count(): Promise<Count> {
    return this.send('POST', `${this.base}/count`, this.body.where ? { where: this.body.where } : {});
  }
}

/** A collection: a query over all of it, plus `add` and `doc`. */
export class Collection<T extends object = Record<string, unknown>> extends Query<T> {
  constructor(send: Send, name: string) {
    super(send, `/api/collections/${encodeURIComponent(name)}`);
  }

  /** Adds a document; resolves with it as stored (`_id`, `_openid`, `_createdAt`, ...). */
  add(body: T): Promise<Document & T> {
    return this.send('POST', `${this.base}/docs`, body);
  }

  /** The document with this `_id`. */
  doc(id: string): DocumentRef<T> {
    return new DocumentRef<T>(this.send, `${this.base}/docs/${encodeURIComponent(id)}`);
  }
}
