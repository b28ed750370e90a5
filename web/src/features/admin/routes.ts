// Where the admin pages live in the app (router.ts paths).

export const ADMIN_PATH = '/admin';
export const USERS_PATH = '/admin/users';
export const ROSTER_IMPORT_PATH = '/admin/roster';

export function isRosterImportPath(path: string): boolean {
  return /^\/admin\/roster\/?$/.test(path);
}

export function isAdminTodayPath(path: string): boolean {
  return /^\/admin\/?$/.test(path);
}

export function isUsersPath(path: string): boolean {
  return /^\/admin\/users\/?$/.test(path);
}
