import {
  GraphQLError,
  Kind,
  getNamedType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
  type ValidationContext,
  type ASTVisitor,
} from 'graphql';

/**
 * The fields a gateway's `_entities` asks of `typeName`, through its inline fragments and named ones; only the
 * entity's own, not those nested under them.
 */
export function entityFieldsAsked(info: GraphQLResolveInfo, typeName: string): Set<string> {
  const asked = new Set<string>();
  const collect = (selectionSet: SelectionSetNode | undefined, onType: string) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (onType === typeName) asked.add(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet, selection.typeCondition?.name.value ?? onType);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (fragment) collect(fragment.selectionSet, fragment.typeCondition.name.value);
      }
    }
  };
  for (const node of info.fieldNodes) collect(node.selectionSet, getNamedType(info.returnType).name);
  return asked;
}

/**
 * `_service { sdl }` spells out the whole schema, which production keeps to itself as it does introspection: a
 * gateway there runs on a supergraph composed beforehand (`npm run supergraph:check`), never asking a subgraph.
 */
export function noSubgraphSdlRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (node.name.value !== '_service' || context.getParentType() !== context.getSchema().getQueryType()) return;
      context.reportError(
        new GraphQLError('The subgraph SDL (`_service`) is not served in production, as introspection is not', {
          nodes: node,
        }),
      );
    },
  };
}
