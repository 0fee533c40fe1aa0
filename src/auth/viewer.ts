export const ROLES = ['reader', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: anonymous, or the holder of an API key with a role. */
export interface Viewer {
  role: Role | 'anonymous';
  keyId: string | null;
  keyName: string | null;
}

export const ANONYMOUS: Viewer = { role: 'anonymous', keyId: null, keyName: null };

const RANK: Record<Viewer['role'], number> = { anonymous: 0, reader: 1, editor: 2, admin: 3 };

/** True when the viewer's role is `role` or above it (admin > editor > reader). */
export function hasRole(viewer: Viewer, role: Role): boolean {
  return RANK[viewer.role] >= RANK[role];
}
