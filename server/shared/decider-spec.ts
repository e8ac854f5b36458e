import { expect } from 'vitest';
import type { EventDefinition } from '../event-store/event-definitions';
import { DomainError, type DomainErrorCode } from './errors';
import type { Command, Decider, Event } from './messages';

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
};

/**
 * Given/when/then for a decider: `given(events).when(command).then(expectedEvents)`.
 * Given and produced events are also checked against their schemas, so a decider cannot emit a
 * payload the event store would refuse; events, states and commands are frozen, so a decider or
 * evolve that mutates its input fails loudly.
 */
export const deciderSpec = <C extends Command, E extends Event, S>(
  decider: Decider<C, E, S>,
  eventDefinitions: readonly EventDefinition[],
) => {
  const definitions = new Map(eventDefinitions.map((definition) => [definition.type, definition]));

  const expectStorable = (events: readonly E[]): void => {
    for (const event of events) {
      const definition = definitions.get(event.type);
      expect(definition, `no event definition for ${event.type}`).toBeDefined();
      const result = definition!.schema.safeParse(event.data);
      expect(result.error?.issues, `${event.type} payload does not match its schema`).toBeUndefined();
      // The store keeps what the schema outputs: a field the schema drops would be lost silently.
      expect(result.data, `${event.type} has fields its schema drops`).toEqual(event.data);
    }
  };

  return (given: readonly E[]) => ({
    when: (command: C) => {
      const decide = (): E[] => {
        const state = given.reduce(
          (current, event) => deepFreeze(decider.evolve(current, deepFreeze(event))),
          deepFreeze(decider.initialState()),
        );
        return decider.decide(deepFreeze(command), state);
      };

      return {
        then: (expected: readonly E[]): void => {
          expectStorable(given);
          const actual = decide();
          expect(actual).toEqual(expected);
          expectStorable(actual);
        },

        thenNothingHappens: (): void => {
          expectStorable(given);
          expect(decide()).toEqual([]);
        },

        /** Returns the error so a test can look at its message. */
        thenThrows: (code: DomainErrorCode, details?: Record<string, unknown>): DomainError => {
          expectStorable(given);
          let thrown: unknown;
          try {
            decide();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(DomainError);
          const error = thrown as DomainError;
          expect(error.code).toBe(code);
          expect(error.message.length).toBeGreaterThan(0);
          if (details) expect(error.details).toMatchObject(details);
          return error;
        },
      };
    },
  });
};
