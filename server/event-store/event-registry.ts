import type { EventDefinition } from './event-definitions';

export class UnknownEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(`No schema is registered for event type ${eventType}`);
  }
}

export class StoredEventInvalidError extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: unknown,
  ) {
    super(`Stored ${eventType} payload does not match its schema`);
  }
}

/** Validates payloads on the way in and upcasts plus validates them on the way out. */
export class EventRegistry {
  private readonly definitions = new Map<string, EventDefinition>();

  constructor(definitions: Iterable<EventDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: EventDefinition): this {
    if (this.definitions.has(definition.type)) {
      throw new Error(`Event type ${definition.type} is registered twice`);
    }
    this.definitions.set(definition.type, definition);
    return this;
  }

  types(): string[] {
    return [...this.definitions.keys()].sort();
  }

  has(type: string): boolean {
    return this.definitions.has(type);
  }

  get(type: string): EventDefinition {
    const definition = this.definitions.get(type);
    if (!definition) throw new UnknownEventTypeError(type);
    return definition;
  }

  /** Validates a payload about to be written; returns it with the version it is written at. */
  prepare(type: string, data: unknown): { data: unknown; schemaVersion: number } {
    const definition = this.get(type);
    const result = definition.schema.safeParse(data);
    if (!result.success) throw new StoredEventInvalidError(type, result.error.issues);
    return { data: result.data, schemaVersion: definition.schemaVersion };
  }

  /** Brings a stored payload up to the current schema version, then validates it. */
  read(type: string, schemaVersion: number, data: unknown): unknown {
    const definition = this.get(type);
    let current = data;
    for (let version = schemaVersion; version < definition.schemaVersion; version++) {
      const upcast = definition.upcasters[version];
      if (!upcast) {
        throw new Error(`No upcaster for ${type} from schema version ${version} to ${version + 1}`);
      }
      current = upcast(current);
    }
    const result = definition.schema.safeParse(current);
    if (!result.success) throw new StoredEventInvalidError(type, result.error.issues);
    return result.data;
  }
}
