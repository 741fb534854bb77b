/**
 * What CloudCockpit (ASP.NET Core) and Net3 (ServiceStack) share: both validate with FluentValidation, whose
 * default messages name a property by its display name, and whose e-mail check is ASP.NET's.
 */

/** The last segment of a property path, without its index: `Contacts[0].Roles[1]` → `Roles`. */
export function propertyLeaf(path: string): string {
  return (path.split('.').pop() ?? path).replace(/\[.*\]$/, '');
}

/** FluentValidation's display name: the leaf, split at PascalCase boundaries ("AddressLine1" → "Address Line1"). */
export function displayName(path: string): string {
  return splitPascalCase(propertyLeaf(path));
}

/** Port of FluentValidation's `SplitPascalCase`. */
function splitPascalCase(input: string): string {
  const isUpper = (c: string | undefined) => c !== undefined && c !== c.toLowerCase() && c === c.toUpperCase();
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (isUpper(c) && ((i > 1 && !isUpper(input[i - 1])) || (i + 1 < input.length && !isUpper(input[i + 1])))) {
      out += ' ';
    }
    out += c;
  }
  return out.trim();
}

/** FluentValidation's default messages, worded as it words them. */
export const FLUENT_MESSAGES = {
  notEmpty: (path: string) => `'${displayName(path)}' must not be empty.`,
  maxLength: (path: string, max: number, length: number) =>
    `The length of '${displayName(path)}' must be ${max} characters or fewer. You entered ${length} characters.`,
  email: (path: string) => `'${displayName(path)}' is not a valid email address.`,
};

/** FluentValidation's (ASP.NET-Core-compatible) e-mail check: one `@`, neither first nor last. */
export function isEmailAddress(value: string): boolean {
  const at = value.indexOf('@');
  return at > 0 && at !== value.length - 1 && at === value.lastIndexOf('@');
}
