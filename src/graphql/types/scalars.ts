import { GraphQLError, Kind } from 'graphql';
import { builder } from '../builder.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !DATE.test(value)) {
    throw new GraphQLError(`Date must be a string like "2026-02-01", got ${JSON.stringify(value)}`);
  }
  const parsed = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) {
    throw new GraphQLError(`Date "${value}" is not a calendar date`);
  }
  // The calendar has no year 0 (1 BC is followed by AD 1), and PostgreSQL refuses it.
  if (value.startsWith('0000')) throw new GraphQLError(`Date "${value}" is not a calendar date: years start at 0001`);
  return value;
}

builder.scalarType('Date', {
  description: 'A calendar date, "YYYY-MM-DD", with no time zone.',
  serialize: (value) => value,
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseDateTime(value: unknown): Date {
  const parsed = typeof value === 'string' ? new Date(value) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value as string)) {
    throw new GraphQLError(`DateTime must be an ISO 8601 string like "2026-02-01T12:00:00Z", got ${JSON.stringify(value)}`);
  }
  // Year 0 is no year (see Date); an offset can also carry the instant itself into year 0.
  if (parsed.getUTCFullYear() < 1) throw new GraphQLError(`DateTime ${JSON.stringify(value)} is before the year 0001`);
  return parsed;
}

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseSafeInt(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new GraphQLError(`SafeInt must be a whole number below 2^53, got ${JSON.stringify(value)}`);
  }
  return value;
}

builder.scalarType('SafeInt', {
  description: 'A whole number up to 2^53 - 1 (byte and record counts outgrow GraphQL Int), as a JSON number.',
  serialize: (value) => Number(value),
  parseValue: parseSafeInt,
  parseLiteral: (ast) => parseSafeInt(ast.kind === Kind.INT ? Number(ast.value) : undefined),
});

builder.scalarType('JSON', {
  description: 'Any JSON value: a string, number, boolean, list, object or null. Output only (values of a history entry).',
  serialize: (value) => value,
  parseValue: () => {
    throw new GraphQLError('JSON is an output type; no argument takes it');
  },
});
