/**
 * Uploaded models and calibration sets ("assets"): streamed into a staging folder with their SHA-256, read by the
 * engine (format, quantizable layers, inputs; arrays, shapes, dtypes), then stored in the blob store and the database
 * for the tenant that uploaded them, once per distinct content.
 */
package io.comq.asset;
