import { z } from 'zod';
import { DomainError } from './errors';

/** Where a broken rule sits in the command data, e.g. ['lines', 0, 'quantity']. */
export type FieldPath = readonly (string | number)[];

export const isoDateTimeSchema = z.iso.datetime();
export const countryCodeSchema = z.string().regex(/^[A-Z]{2}$/);

const invalid = (message: string, path: FieldPath, value?: unknown): DomainError =>
  new DomainError('VALIDATION', message, value === undefined ? { path } : { path, value });

export const requireText = (value: string, path: FieldPath, label: string): void => {
  if (value.trim().length === 0) throw invalid(`${label} must not be empty`, path);
};

export const requireWholeNumberBetween = (
  value: number,
  min: number,
  max: number,
  path: FieldPath,
  label: string,
): void => {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${label} must be a whole number from ${min} to ${max}`, path, value);
  }
};

export const requirePositiveWholeNumber = (value: number, path: FieldPath, label: string): void => {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${label} must be a positive whole number`, path, value);
  }
};

export const requireIsoDateTime = (value: string, path: FieldPath, label: string): void => {
  if (!isoDateTimeSchema.safeParse(value).success) {
    throw invalid(`${label} must be an ISO-8601 UTC date-time such as 2025-01-31T09:30:00Z`, path, value);
  }
};

export const requireCountryCode = (value: string, path: FieldPath): void => {
  if (!countryCodeSchema.safeParse(value).success) {
    throw invalid('Country must be a two-letter ISO 3166 code in capitals, such as DE', path, value);
  }
};
