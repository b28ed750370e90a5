// Where the admin pages live in the app (router.ts paths).

export const ROSTER_IMPORT_PATH = '/admin/roster';

export function isRosterImportPath(path: string): boolean {
  return /^\/admin\/roster\/?$/.test(path);
}
