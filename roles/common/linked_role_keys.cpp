#include "roles/common/linked_role_keys.hpp"

#include "roles/common/tls_setup.hpp"

namespace gs::roles {

LinkedRoleKeys LinkedRoleKeys::read(std::string_view role, const config::Config& fresh,
                                    const std::filesystem::path& link_secret_file) {
  LinkedRoleKeys keys;
  keys.link_secret = crypto::read_secret_file(link_secret_file);
  keys.trust = client_tls(role, fresh);
  keys.tls = server_tls(role, fresh);
  return keys;
}

void LinkedRoleKeys::apply(transport::Host& listening, AuthLinks& links) {
  listening.replace_certificate(tls.certificate_pem, std::move(tls.private_key_pem));
  links.set_secret(link_secret);
  links.set_trust(std::move(trust));
}

}  // namespace gs::roles
