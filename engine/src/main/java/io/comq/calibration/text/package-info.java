/**
 * Calibration data from text: {@link io.comq.calibration.text.WordPieceTokenizer} (BERT uncased WordPiece from a
 * Hugging Face {@code tokenizer.json}) and {@link io.comq.calibration.text.TextCalibration} (sentences of English text
 * files to an {@code input_ids}/{@code attention_mask}/{@code token_type_ids} calibration set).
 */
package io.comq.calibration.text;
