/**
 * Message shapes shared by every aggregate. Commands are imperative (PlaceOrder),
 * events past tense (OrderPlaced); both are `{ type, data, metadata? }`.
 */
export type Message<Type extends string = string, Data = unknown> = {
  readonly type: Type;
  readonly data: Data;
};

export type Command<Type extends string = string, Data = unknown> = Message<Type, Data> & {
  readonly metadata?: CommandMetadata;
};

export type Event<Type extends string = string, Data = unknown> = Message<Type, Data>;

/** Who or what caused a change: a person through the API, the saga, the seeder, a script. */
export type Actor = { readonly kind: 'user' | 'system' | 'saga' | 'seed'; readonly id: string };

export type CommandMetadata = {
  /** Ties every event of one business flow together; for orders it is the order id. */
  readonly correlationId?: string;
  /** The event or command that caused this one. */
  readonly causationId?: string;
  readonly actor?: Actor;
};

/**
 * The pure heart of an aggregate. `decide` returns the events a command produces or throws a
 * DomainError; `now` and generated ids arrive in the command data, never from the clock here.
 */
export type Decider<C extends Command, E extends Event, S> = {
  readonly initialState: () => S;
  readonly evolve: (state: S, event: E) => S;
  readonly decide: (command: C, state: S) => E[];
};

export const assertNever = (value: never): never => {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
};
