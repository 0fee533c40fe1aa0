import { parse, validate, getIntrospectionQuery, specifiedRules } from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { schema } from '/work/wt/issue-9/src/graphql/index.ts';
import { Parser } from 'graphql/language/parser';
const docs: Record<string,string> = {
  introspection: getIntrospectionQuery(),
  introspectionFull: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true }),
  dashboard: `{
      incidents(first: 50) { totalCount edges { node { title occurred { display } impact { recordsAffected }
        actors { role actor { name affiliation { name } } } aiSystems { role aiSystem { name developer { name } } }
        techniques { atlasId } reports(first: 10) { totalCount edges { node { title publisher } } }
        citedBy { stance actor { name } topic { name } } } } }
    }`,
  limitsIntro: `{
      __schema { types { name fields(includeDeprecated: true) { name args { name type { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
        type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
    }`,
  readme1: `{
  incident(slug: "mexico-government-ai-assisted-breach") {
    title severity occurred { display precision } impact { recordsAffected bytesAffected dataCategories }
    aiSystems { role usage aiSystem { name developer { name } } } actors { role actor { name kind } } techniques { atlasId name }
    reports(first: 10) { totalCount edges { node { publisher title url language published { display } } } } } }`,
};
for (const [name, text] of Object.entries(docs)) {
  const p = new Parser(text); const doc = p.parseDocument(); const tokens = (p as any)._lexer ? 0 : 0;
  let n = 0; const { Lexer, Source, TokenKind } = await import('graphql'); const lx = new Lexer(new Source(text)); while (lx.advance().kind !== TokenKind.EOF) n++;
  const res: string[] = [];
  for (const [label, rule] of [['cost', costLimitRule({ maxCost: 1, ignoreIntrospection: false, exposeLimits: true, propagateOnRejection: false, onReject: [(_c: unknown, e: Error) => res.push(e.message)] })], ['depth', maxDepthRule({ n: 1, ignoreIntrospection: false, flattenFragments: true, propagateOnRejection: false, onReject: [(_c: unknown, e: Error) => res.push(e.message)] })]] as const) {
    validate(schema, doc, [rule as any]);
  }
  console.log(name, 'tokens', n, res);
}
