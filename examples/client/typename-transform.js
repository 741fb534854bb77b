// graphql-codegen loads a document transform by module path and wants its `transform`: the client preset's own,
// which puts `__typename` in every selection, as Apollo Client's cache asks for it, so the server runs those documents.
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

export const { transform } = addTypenameSelectionDocumentTransform;
