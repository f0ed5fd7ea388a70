/**
 * One typed settings model for every front end: {@link io.comq.settings.QuantizeSettings} holds what a whole-model
 * run can be asked (the CLI's {@code comq quantize} options, the REST API's job settings, a sharded job's pod
 * arguments), fills in the defaults and refuses contradictions before any work, naming each setting as the asking
 * front end does ({@link io.comq.option.OptionNames}).
 */
package io.comq.settings;
