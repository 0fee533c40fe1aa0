import { NotFoundError, ValidationError, VersionConflictError } from '../../data/errors.js';
import { builder } from '../builder.js';

// Expected failures of mutations, as typed members of each mutation's result union (errors plugin).
// Unexpected failures stay GraphQL errors and are masked.

export const UserErrorInterface = builder.interfaceRef<Error>('UserError').implement({
  description: 'An expected failure of a mutation; nothing was written.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, in a sentence a person can act on.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input broke a rule; nothing was written.',
  interfaces: [UserErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field at fault, e.g. "title" or "occurred.end".' }),
    rule: t.exposeString('rule', { description: 'The rule it broke, e.g. "required", "max-length", "http-url", "not-in-future".' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The input refers to a record that does not exist; nothing was written.',
  interfaces: [UserErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field holding the unknown reference.' }),
  }),
});

builder.objectType(VersionConflictError, {
  name: 'VersionConflict',
  description: 'Someone changed the record since you read it; reload it and apply your change to the current version.',
  interfaces: [UserErrorInterface],
  isTypeOf: (value) => value instanceof VersionConflictError,
  fields: (t) => ({
    expectedVersion: t.exposeInt('expectedVersion', { description: 'The version you sent.' }),
    currentVersion: t.exposeInt('currentVersion', { description: 'The version the record is at now.' }),
  }),
});

/** The error types every write can produce. */
export const WRITE_ERRORS = [ValidationError, NotFoundError];
