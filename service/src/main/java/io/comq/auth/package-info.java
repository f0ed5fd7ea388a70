/**
 * Who is calling: bearer API tokens from configuration or a secret file, each mapped to a tenant; a filter that
 * refuses {@code /v1} requests without a valid token and hands the tenant to controllers. Every model, calibration set
 * and job belongs to one tenant; another tenant's ids answer 404.
 */
package io.comq.auth;
