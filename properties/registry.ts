/** Every property, by stable id: what `gfpcheck check` runs and regression files refer to. */

import { FOUNDATION_PROPERTIES, type Property } from "./property.js";

export const ALL_PROPERTIES: readonly Property[] = [...FOUNDATION_PROPERTIES];

export function propertyById(id: string): Property | undefined {
  return ALL_PROPERTIES.find((p) => p.id === id);
}

export function propertyIds(): string[] {
  return ALL_PROPERTIES.map((p) => p.id);
}

/** Policy ids a regression file may name. Grows with model/policies/. */
export const KNOWN_POLICIES: readonly string[] = ["baseline"];
