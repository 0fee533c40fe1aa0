import { issueKey } from '../../auth/keys.js';
import { ROLES, type Role } from '../../auth/viewer.js';
import { listApiKeys, revokeApiKey, type ApiKeyRow } from '../../data/api-keys.js';
import { NotFoundError } from '../../data/errors.js';
import { builder } from '../builder.js';
import { parseId } from '../errors.js';
import { WRITE_ERRORS } from './errors.js';

const RoleEnum = builder.enumType('Role', {
  description: 'What an API key may do. Each role includes the ones before it.',
  values: {
    READER: { value: 'reader', description: 'Read (needed only when the server requires keys for reads).' },
    EDITOR: { value: 'editor', description: 'Read and write records.' },
    ADMIN: { value: 'admin', description: 'Everything, including managing keys.' },
  } satisfies Record<Uppercase<Role>, { value: Role; description: string }>,
});

const ApiKeyRef = builder.objectRef<ApiKeyRow>('ApiKey').implement({
  description: 'An API key, without its secret (only its first characters).',
  fields: (t) => ({
    id: t.field({ type: 'ID', description: 'Global id of the key.', resolve: (row) => Buffer.from(`ApiKey:${row.id}`).toString('base64url') }),
    name: t.exposeString('name', { description: 'Who or what uses it.' }),
    role: t.field({ type: RoleEnum, description: 'What it may do.', resolve: (row) => row.role }),
    prefix: t.exposeString('prefix', { description: 'Its first characters, to tell keys apart.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (row) => row.created_at }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was revoked; null while valid.', resolve: (row) => row.revoked_at }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was last used, to within a minute or so (uses are recorded in batches); null if never.',
      resolve: (row) => row.last_used_at,
    }),
  }),
});

const CreateApiKeyPayload = builder.objectRef<{ key: string; row: ApiKeyRow }>('CreateApiKeyPayload').implement({
  description: 'A new key. The secret is shown here once and never again.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The stored key.', resolve: (payload) => payload.row }),
    secret: t.exposeString('key', { description: 'The key to send as "Authorization: Bearer <key>". Store it now.' }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.field({
    type: [ApiKeyRef],
    description: 'Every API key, newest first. Needs an admin key.',
    authScopes: { admin: true },
    resolve: (_root, _args, context) => listApiKeys(context.sql),
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    description: 'Creates an API key. Needs an admin key.',
    authScopes: { admin: true },
    errors: { types: WRITE_ERRORS },
    args: {
      name: t.arg.string({ required: true, description: 'Who or what will use it.' }),
      role: t.arg({ type: RoleEnum, required: true, description: `One of ${ROLES.join(', ')}.` }),
    },
    resolve: (_root, args, context) => issueKey(context.sql, args.name, args.role),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes an API key at once. Needs an admin key.',
    authScopes: { admin: true },
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true, description: 'The key\'s id.' }) },
    resolve: async (_root, args, context) => {
      const row = await revokeApiKey(context.sql, parseId(args.id, 'ApiKey', 'id'));
      if (!row) throw new NotFoundError('id', 'no API key has this id');
      return row;
    },
  }),
}));
