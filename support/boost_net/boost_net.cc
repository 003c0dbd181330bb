// The one copy of Asio's and Beast's compiled parts. Every file of the build
// that includes Asio or Beast is compiled with BOOST_ASIO_SEPARATE_COMPILATION
// and BOOST_BEAST_SEPARATE_COMPILATION (the top-level CMakeLists.txt), so the
// libraries' non-template code (the scheduler, the reactor, the TLS engine,
// Beast's base64, SHA-1 and HTTP parser tables) is compiled here once instead
// of in each of them. A file that included them without the definitions
// would be an ODR violation; one that uses them without linking this library
// fails to link.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
