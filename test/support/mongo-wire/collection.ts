/**
 * One in-memory collection of the MongoDB wire TEST server (test infrastructure only, see ./server.ts).
 *
 * Documents are kept in insertion order and never mutated: an update swaps a new object in. Every
 * unique index keeps a map from key to document so duplicate checks cost O(keys), not O(documents).
 */
import type { Document } from 'bson';
import { duplicateKeyError, type IndexSpec, idIndex, indexKeys, isExpired } from './indexes.js';

export class Collection {
  private documents: Document[] = [];
  private specs: IndexSpec[] = [idIndex()];
  private readonly unique = new Map<IndexSpec, Map<string, Document>>();

  constructor(
    readonly db: string,
    public name: string,
  ) {
    this.unique.set(this.specs[0]!, new Map());
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** the stored documents; callers must not mutate the array or its documents */
  get docs(): Document[] {
    return this.documents;
  }

  get indexes(): readonly IndexSpec[] {
    return this.specs;
  }

  /** Throws DuplicateKey if `candidate` collides on a unique index with a document other than `self`. */
  checkUnique(candidate: Document, self?: Document): void {
    for (const [spec, map] of this.unique) {
      const keys = indexKeys(spec, candidate);
      if (!keys) continue;
      for (const k of keys.keys) {
        const holder = map.get(k);
        if (holder !== undefined && holder !== self) throw duplicateKeyError(this.ns, spec, keys.keyValue);
      }
    }
  }

  insert(doc: Document): void {
    this.checkUnique(doc);
    this.documents.push(doc);
    this.indexDoc(doc);
  }

  replace(before: Document, after: Document): void {
    this.checkUnique(after, before);
    const idx = this.documents.indexOf(before);
    if (idx < 0) throw new Error('wire test server: replaced document is not stored');
    this.unindexDoc(before);
    this.documents[idx] = after;
    this.indexDoc(after);
  }

  remove(doomed: ReadonlySet<Document>): number {
    if (doomed.size === 0) return 0;
    const before = this.documents.length;
    this.documents = this.documents.filter((d) => !doomed.has(d));
    for (const d of doomed) this.unindexDoc(d);
    return before - this.documents.length;
  }

  /** Deletes documents expired under a TTL index at `now`. */
  expire(now: Date): void {
    const ttl = this.specs.filter((i) => i.expireAfterSeconds !== undefined);
    if (ttl.length === 0) return;
    const doomed = new Set(this.documents.filter((d) => ttl.some((spec) => isExpired(spec, d, now))));
    this.remove(doomed);
  }

  /** Adds an index; a unique one is built first and fails with DuplicateKey on existing duplicates. */
  addIndex(spec: IndexSpec): void {
    if (spec.unique) {
      const map = new Map<string, Document>();
      for (const doc of this.documents) {
        const keys = indexKeys(spec, doc);
        if (!keys) continue;
        for (const k of keys.keys) {
          const holder = map.get(k);
          if (holder !== undefined && holder !== doc) throw duplicateKeyError(this.ns, spec, keys.keyValue);
          map.set(k, doc);
        }
      }
      this.unique.set(spec, map);
    }
    this.specs.push(spec);
  }

  dropIndexes(doomed: readonly IndexSpec[]): void {
    this.specs = this.specs.filter((s) => !doomed.includes(s));
    for (const spec of doomed) this.unique.delete(spec);
  }

  /** Moves everything into a collection with a new name (renameCollection). */
  renamed(db: string, name: string): Collection {
    const moved = new Collection(db, name);
    moved.documents = this.documents;
    moved.specs = this.specs;
    moved.unique.clear();
    for (const [spec, map] of this.unique) moved.unique.set(spec, map);
    return moved;
  }

  private indexDoc(doc: Document): void {
    for (const [spec, map] of this.unique) {
      const keys = indexKeys(spec, doc);
      if (keys) for (const k of keys.keys) map.set(k, doc);
    }
  }

  private unindexDoc(doc: Document): void {
    for (const [spec, map] of this.unique) {
      const keys = indexKeys(spec, doc);
      if (keys) for (const k of keys.keys) if (map.get(k) === doc) map.delete(k);
    }
  }
}
