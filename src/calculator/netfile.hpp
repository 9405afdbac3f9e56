/// @file netfile.hpp
/// @brief The network file: a network written as text, one layer a line, read into an arch::Architecture
/// (for `cnncalc model FILE` and `train --model FILE`) and written back from one (`cnncalc model NAME
/// --format net`).
///
/// A small example (the page @ref calculator describes every keyword):
///
///     # LeNet-5 on 32x32x1: CONV-POOL-CONV-POOL-FC-FC-FC
///     name  lenet5
///     input 32x32x1
///     conv    conv1 K=6 F=5        # 28x28x6
///     relu
///     maxpool pool1 F=2 S=2        # 14x14x6
///     conv    conv2 K=16 F=5       # 10x10x16
///     relu
///     maxpool pool2 F=2 S=2        # 5x5x16
///     fc      fc3 M=120
///     relu
///     fc      fc4 M=84
///     relu
///     fc      fc5 M=10
///     softmax
///
/// Everything after `#` is a comment. A line starts with a keyword: a header (`name`, `title`, `reference`,
/// `input WxHxD`) or a layer kind, then an optional layer name (a name is made up when it is missing: conv1,
/// relu2, ...), then settings `KEY=VALUE` in the lecture's letters. A mistake is refused with the file, line
/// and column: `my_net.txt:4:14: conv: F must be a whole number from 1 to 1,000,000, got 'five'`.
#pragma once

#include <string>
#include <string_view>

#include "calculator/arch.hpp"

namespace cnn {

/// @brief Reads a network from the text of a network file.
/// @param text    the file's content
/// @param source  the file's name, for messages (`source:line:column: ...`); also the network's name when the
///                file has no `name` line (its stem: `nets/my_net.txt` -> `my_net`)
/// @return        the architecture, with its input volume; its layers are not yet checked against each other
///                (arch::analyze does that, and names the layer that does not fit)
/// @throws cnn::value_error naming `read_net`, the source, line and column, and what was expected
arch::Architecture parse_net(std::string_view text, std::string_view source);

/// @brief Reads a network file (parse_net of its content).
/// @throws cnn::io_error when the file cannot be read; cnn::value_error as parse_net
arch::Architecture read_net(const std::string& path);

/// @brief Writes an architecture as a network file that parse_net reads back to the same network: every
/// layer with its name and every setting that differs from the default, and (when the network fits its
/// input) the output volume after each layer as a comment.
std::string format_net(const arch::Architecture& net);

/// @brief The network a program was asked for: a model of the zoo by name (zoo::names()), else the network
/// file at that path. `train --model` and `cnncalc model` both take either.
/// @throws cnn::value_error when it is neither (listing the zoo's names), or as read_net for a broken file
arch::Architecture model_or_file(const std::string& name_or_path);

/// @brief The network `train --model` trains: model_or_file, checked against the data before anything is built.
/// A network file must be written for the data's input volume; a zoo model is walked from the data's input
/// (as the Fashion-MNIST LeNet-5 is). Either must end in one score per class.
/// @param name_or_path  a zoo name or a network file
/// @param input         the data's volume, e.g. 28x28x1
/// @param classes       the data's number of classes
/// @throws cnn::value_error naming the network and both volumes or counts when they disagree; cnn::shape_error
///         for a layer that does not fit the input (with its arithmetic); as model_or_file otherwise
arch::Architecture network_for_data(const std::string& name_or_path, const arch::Shape& input, std::size_t classes);

}  // namespace cnn
