/**
 * The preset dictionary of .sws 2.x headers (lz/1 primes its window with it): the
 * vocabulary of a tfjs layers topology (common layer classes with their default
 * configs) and of the tensor table. Generic, not tied to any model. Part of the
 * format: changing one byte needs a new major version.
 */
export const HEADER_DICTIONARY_TEXT =
  '{"class_name":"Sequential","config":{"name":"sequential","layers":[' +
  '{"class_name":"BatchNormalization","config":{"axis":-1,"momentum":0.99,"epsilon":0.001,"center":true,"scale":true,"name":"batch_normalization","trainable":true}' +
  '{"class_name":"Dropout","config":{"rate":0.5,"name":"dropout","trainable":true}' +
  '{"class_name":"GlobalAveragePooling2D","config":{"data_format":"channels_last","name":"global_average_pooling2d","trainable":true}' +
  '{"class_name":"DepthwiseConv2D","config":{"kernel_size":[3,3],"strides":[1,1],"padding":"same","depth_multiplier":1,' +
  '{"class_name":"AveragePooling2D","config":{"pool_size":[2,2],"padding":"valid","strides":[2,2],"data_format":"channels_last","name":"average_pooling2d","trainable":true}' +
  '"class_name":"Model","config":{"name":"model","layers":[' +
  '{"name":"input","class_name":"InputLayer","config":{"batch_input_shape":[null,224,224,3],"dtype":"float32","sparse":false,"name":"input"},"inbound_nodes":[]},' +
  '{"name":"conv2d","class_name":"Conv2D","config":{"filters":32,"kernel_size":[3,3],"strides":[1,1],"padding":"valid","data_format":"channels_last","dilation_rate":[1,1],"activation":"relu","use_bias":true,"name":"conv2d","trainable":true},"inbound_nodes":[[["input",0,0,{}]]]},' +
  '{"name":"max_pooling2d","class_name":"MaxPooling2D","config":{"pool_size":[2,2],"padding":"valid","strides":[2,2],"data_format":"channels_last","name":"max_pooling2d","trainable":true},"inbound_nodes":[[["conv2d",0,0,{}]]]},' +
  '{"name":"flatten","class_name":"Flatten","config":{"name":"flatten","trainable":true},"inbound_nodes":[[["max_pooling2d",0,0,{}]]]},' +
  '{"name":"dense","class_name":"Dense","config":{"units":10,"activation":"linear","use_bias":true,"name":"dense","trainable":true},"inbound_nodes":[[["flatten",0,0,{}]]]},' +
  '{"name":"activation","class_name":"Activation","config":{"activation":"softmax","name":"activation","trainable":true},"inbound_nodes":[[["dense",0,0,{}]]]}],' +
  '"input_layers":[["input",0,0]],"output_layers":[["activation",0,0]]},"keras_version":"tfjs-layers 4.22.0","backend":"tensor_flow.js"},' +
  '{"format":"softshare-sws","generator":"softshare 0.1.0","modelTopology":{"payloadLength":' +
  '"tensors":[{"name":"dense/kernel","shape":[3,3,3,32],"encoding":"shared","codebook":[0,-0.' +
  '"coder":"rans/1","layout":"context","mask":{"offset":0,"length":' +
  ',"crc32":' +
  '},"codes":{"offset":' +
  ',"count":' +
  '"layout":"escape","gaps":{"offset":' +
  '{"name":"dense/bias","shape":[10],"encoding":"float32","data":{"offset":' +
  '"encoding":"float16","data":{"offset":';

export const HEADER_DICTIONARY = new TextEncoder().encode(HEADER_DICTIONARY_TEXT);
