/**
 * How a message names a setting the user gave, whatever the front end: {@link io.comq.option.Setting#ref()} puts a
 * marker in the message, and the front end that shows it renders the marker with {@link io.comq.option.OptionNames}
 * ({@code --calibration-mode} on the command line, {@code calibrationMode} in the REST API). Depends on nothing else.
 */
package io.comq.option;
