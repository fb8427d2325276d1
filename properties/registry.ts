/** Every property, by stable id: what `gfpcheck check` runs and regression files refer to. */

import { BUILTIN_POLICIES } from "../model/policies/index.js";
import { FOUNDATION_PROPERTIES, type Property, SLOWPATH_PROPERTIES, WORKLOAD_PROPERTIES } from "./property.js";

export const ALL_PROPERTIES: readonly Property[] = [
  ...FOUNDATION_PROPERTIES,
  ...SLOWPATH_PROPERTIES,
  ...WORKLOAD_PROPERTIES,
];

export function propertyById(id: string): Property | undefined {
  return ALL_PROPERTIES.find((p) => p.id === id);
}

export function propertyIds(): string[] {
  return ALL_PROPERTIES.map((p) => p.id);
}

/** Policy ids a regression file may name. */
export const KNOWN_POLICIES: readonly string[] = BUILTIN_POLICIES.map((p) => p.id);
