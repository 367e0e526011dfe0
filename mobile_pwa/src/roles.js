// The roles of the domain (docs: shared/domain/DOMAIN.md), in the order the home screen lists them.
/** @typedef {import("./types/contract").Role} Role */
/** @typedef {import("./types/contract").Assignment} Assignment */

/** @type {readonly Role[]} */
export const ROLE_ORDER = [
  "floor_manager",
  "front_desk",
  "engineer",
  "supervisor",
  "manager",
  "night_duty",
  "guard",
  "admin",
];

/**
 * One entry per role the user holds, with the properties where they hold it; is_admin counts as
 * the admin role even without an assignment.
 * @param {readonly Assignment[]} assignments
 * @param {boolean} isAdmin
 * @returns {{ role: Role, properties: string[] }[]}
 */
export function rolesOf(assignments, isAdmin) {
  /** @type {Map<Role, string[]>} */
  const byRole = new Map();
  for (const a of assignments) {
    const names = byRole.get(a.role) ?? [];
    const name = propertyName(a);
    if (!names.includes(name)) names.push(name);
    byRole.set(a.role, names);
  }
  if (isAdmin && !byRole.has("admin")) byRole.set("admin", []);
  return [...byRole]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([role, properties]) => ({ role, properties }));
}

/** Unknown roles (a newer server) sort last instead of breaking the screen. @param {Role} role */
function rank(role) {
  const i = ROLE_ORDER.indexOf(role);
  return i === -1 ? ROLE_ORDER.length : i;
}

/**
 * Properties with the user's roles in each, in first-seen order.
 * @param {readonly Assignment[]} assignments
 * @returns {{ id: number, name: string, roles: Role[] }[]}
 */
export function propertiesOf(assignments) {
  /** @type {Map<number, { id: number, name: string, roles: Role[] }>} */
  const byId = new Map();
  for (const a of assignments) {
    const entry = byId.get(a.property_id) ?? { id: a.property_id, name: propertyName(a), roles: [] };
    if (!entry.roles.includes(a.role)) entry.roles.push(a.role);
    byId.set(a.property_id, entry);
  }
  return [...byId.values()];
}

/**
 * The contract does not promise property_name; the id still tells a person which one.
 * @param {Assignment} a
 */
function propertyName(a) {
  return a.property_name ?? `#${a.property_id}`;
}
