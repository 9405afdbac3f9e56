# cmake -DFROM=<MathJax 2 folder> -DTO=<html>/mathjax -P copy_mathjax.cmake
# Copies the part of Debian's MathJax 2 that the pages use into the HTML folder, so that the folder can be copied
# or served anywhere and keep its formulas (a link to /usr/share/javascript/mathjax would not survive a copy):
# the loader, the extensions (tex2jax and the AMS ones Doxyfile.in names), the TeX input, the HTML-CSS output
# with its TeX fonts only, and the English messages. About 2.5 MB instead of 54.
foreach(part MathJax.js extensions jax/input/TeX jax/element jax/output/HTML-CSS/jax.js jax/output/HTML-CSS/config.js
             jax/output/HTML-CSS/imageFonts.js jax/output/HTML-CSS/autoload jax/output/HTML-CSS/fonts/TeX
             fonts/HTML-CSS/TeX/woff fonts/HTML-CSS/TeX/otf localization/en)
  if(NOT EXISTS "${FROM}/${part}")
    message(FATAL_ERROR "copy_mathjax: ${FROM}/${part} is missing (is Debian's libjs-mathjax installed?)")
  endif()
  get_filename_component(parent "${TO}/${part}" DIRECTORY)
  file(COPY "${FROM}/${part}" DESTINATION "${parent}")
endforeach()
