export * from './event-store';
export * from './read-models';
export * from './reference-data';
export * from './saga';
