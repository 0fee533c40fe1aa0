import { listTechniques } from '../../data/techniques.js';
import { builder } from '../builder.js';
import { TechniqueRef } from '../refs.js';

const TechniqueKindEnum = builder.enumType('TechniqueKind', {
  description: 'The level of an ATLAS entry.',
  values: {
    TACTIC: { value: 'tactic', description: 'An adversary goal (AML.TA…).' },
    TECHNIQUE: { value: 'technique', description: 'A way to reach a goal (AML.T…).' },
    SUBTECHNIQUE: { value: 'subtechnique', description: 'A specific variant of a technique (AML.T….nnn).' },
  },
});

TechniqueRef.implement({
  description: 'A MITRE ATLAS tactic or technique.',
  fields: (t) => ({
    atlasId: t.exposeString('id', { description: 'The ATLAS id, e.g. "AML.T0054".' }),
    name: t.exposeString('name', { description: 'The ATLAS name, e.g. "LLM Jailbreak".' }),
    kind: t.field({ type: TechniqueKindEnum, description: 'Tactic, technique or subtechnique.', resolve: (row) => row.kind }),
    parent: t.field({
      type: TechniqueRef,
      nullable: true,
      description: 'For a subtechnique, its technique.',
      resolve: (row) => row.parent_id,
    }),
    tactics: t.field({
      type: [TechniqueRef],
      description: 'The tactics this technique serves.',
      resolve: (row) => row.tactic_ids,
    }),
  }),
});

builder.queryFields((t) => ({
  techniques: t.field({
    type: [TechniqueRef],
    description: 'The MITRE ATLAS taxonomy (a few hundred entries), in id order.',
    args: {
      kind: t.arg({ type: TechniqueKindEnum, description: 'Only entries of this level.' }),
      tactic: t.arg.string({ description: 'Only techniques serving this tactic id, e.g. "AML.TA0005".' }),
    },
    resolve: (_root, args, context) =>
      listTechniques(context.sql, { kind: args.kind ?? undefined, tacticId: args.tactic ?? undefined }),
  }),
}));
